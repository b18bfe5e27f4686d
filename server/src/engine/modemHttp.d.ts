// docker-modem's HTTP client (lib/http.js, not typed by @types/docker-modem): the one setting dockerode.ts changes.
declare module 'docker-modem/lib/http' {
  const modemHttp: { maxRedirects: number };
  export default modemHttp;
}
