// What the client and the server say to each other beyond the LSP: the settings (one typed object, resolved per
// document) and the custom messages, each as `namespace X { method; type }`. The client imports this file too.

/** `dockerfileSize.*` as the server uses it. Defaults live in `DEFAULT_SETTINGS` and in package.json. */
export interface Settings {
  readonly engine: {
    /** DOCKER_HOST form; '' = environment / local socket. Never taken from an untrusted workspace. */
    readonly host: string;
    readonly timeoutMs: number;
  };
  readonly discovery: {
    readonly maxImages: number;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  engine: { host: '', timeoutMs: 10000 },
  discovery: { maxImages: 200 },
};

/** Turns whatever `workspace/configuration` answered into Settings, ignoring what has the wrong type. */
export function toSettings(raw: unknown): Settings {
  const r = (raw ?? {}) as { engine?: { host?: unknown; timeoutMs?: unknown }; discovery?: { maxImages?: unknown } };
  const num = (v: unknown, d: number, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);
  return {
    engine: {
      host: typeof r.engine?.host === 'string' ? r.engine.host : DEFAULT_SETTINGS.engine.host,
      timeoutMs: num(r.engine?.timeoutMs, DEFAULT_SETTINGS.engine.timeoutMs, 500),
    },
    discovery: { maxImages: num(r.discovery?.maxImages, DEFAULT_SETTINGS.discovery.maxImages, 1) },
  };
}

/** What the client tells the server at start (`initializationOptions`). */
export interface InitializationOptions {
  /** False in Restricted Mode: the server never builds and ignores settings that redirect the engine. */
  readonly workspaceTrusted: boolean;
}
