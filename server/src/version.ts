// The product's version, one place for the server and the CLI: esbuild defines DFSIZE_VERSION from package.json in
// the bundles; run from the sources (tsx, the unit tests) it is 'dev'.
declare const DFSIZE_VERSION: string | undefined;

export const VERSION = typeof DFSIZE_VERSION === 'string' ? DFSIZE_VERSION : 'dev';
