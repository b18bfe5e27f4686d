// Which engine to talk to: the `dockerfileSize.engine.host` setting, else DOCKER_HOST, else the local socket.
// The same DOCKER_HOST forms the docker CLI accepts: unix://PATH, tcp://HOST:PORT (TLS with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH), npipe://PATH.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from './source';

export interface Tls { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer }

export type Endpoint =
  | { readonly kind: 'socket'; readonly url: string; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly url: string; readonly host: string; readonly port: number; readonly tls: Tls | null };

export interface EndpointInputs {
  /** `dockerfileSize.engine.host` (ignored by the caller in untrusted workspaces). */
  readonly setting?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
}

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
const DEFAULT_NPIPE = '//./pipe/docker_engine';

export function resolveEndpoint(inputs: EndpointInputs): Endpoint {
  const host = inputs.setting?.trim() || inputs.env.DOCKER_HOST?.trim();
  if (!host) {
    return (inputs.platform ?? process.platform) === 'win32'
      ? { kind: 'socket', url: `npipe://${DEFAULT_NPIPE}`, socketPath: DEFAULT_NPIPE }
      : { kind: 'socket', url: `unix://${DEFAULT_UNIX_SOCKET}`, socketPath: DEFAULT_UNIX_SOCKET };
  }
  return parseHost(host, inputs.env);
}

export function parseHost(host: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(host);
  if (!m) throw new EngineError('bad-endpoint', `engine address "${host}" is not understood: use unix:///path/to/docker.sock or tcp://host:port`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'unix' || scheme === 'npipe') {
    if (!rest) throw new EngineError('bad-endpoint', `engine address "${host}" names no socket`);
    return { kind: 'socket', url: host, socketPath: rest };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hp = /^\[?([^\]/]+?)\]?(?::(\d+))?\/?$/.exec(rest);
    if (!hp) throw new EngineError('bad-endpoint', `engine address "${host}" has no host: use tcp://host:port`);
    const tlsOn = scheme === 'https' || (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0');
    const port = hp[2] ? Number(hp[2]) : tlsOn ? 2376 : 2375;
    return { kind: 'tcp', url: host, host: hp[1]!, port, tls: tlsOn ? readTls(env.DOCKER_CERT_PATH || join(homedir(), '.docker')) : null };
  }
  throw new EngineError('bad-endpoint', `engine address "${host}": the ${scheme}:// scheme is not supported; use unix://, npipe:// or tcp://`);
}

function readTls(dir: string): Tls {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      return undefined;
    }
  };
  const tls: Tls = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
  if (!tls.cert || !tls.key) throw new EngineError('bad-endpoint', `TLS is on (DOCKER_TLS_VERIFY) but ${dir} has no cert.pem and key.pem: set DOCKER_CERT_PATH`);
  return tls;
}
