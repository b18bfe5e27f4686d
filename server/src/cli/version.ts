// dfsize's version, as `dfsize --version` prints it and the SARIF log names it.

/** Set by esbuild from package.json. */
declare const DFSIZE_VERSION: string | undefined;
export const VERSION = typeof DFSIZE_VERSION === 'string' ? DFSIZE_VERSION : 'dev';
