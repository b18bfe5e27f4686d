// Which engine to talk to, in the docker CLI's order after our own setting: `dockerfileSize.engine.host`, then
// DOCKER_HOST, then DOCKER_CONTEXT, then the current context of ~/.docker/config.json, then the local socket — and,
// when that socket does not exist but a Podman socket does, Podman's. Host forms: unix://PATH, npipe://PATH,
// tcp://HOST[:PORT] (TLS with DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, or a context's TLS material), ssh://[USER@]HOST[:PORT].
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from './source';

export interface Tls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export type Endpoint =
  | { readonly kind: 'socket'; readonly url: string; readonly socketPath: string }
  | {
      readonly kind: 'tcp';
      readonly url: string;
      readonly host: string;
      readonly port: number;
      readonly tls: Tls | null;
    }
  | {
      readonly kind: 'ssh';
      readonly url: string;
      readonly host: string;
      readonly port: number;
      readonly username: string | null;
    };

/** Everything the choice depends on, injectable so tests need no real home folder. */
export interface EndpointInputs {
  /** `dockerfileSize.engine.host` (the caller passes '' in untrusted workspaces). */
  readonly setting?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  /** The docker CLI's config folder (DOCKER_CONFIG, else ~/.docker). */
  readonly dockerConfigDir?: string;
  readonly exists?: (path: string) => boolean;
}

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
const DEFAULT_NPIPE = '//./pipe/docker_engine';

/** Where the endpoint came from, for the status bar. */
export interface ResolvedEndpoint {
  readonly endpoint: Endpoint;
  readonly source: string;
}

export function resolveEndpoint(inputs: EndpointInputs): Endpoint {
  return resolveEndpointWithSource(inputs).endpoint;
}

export function resolveEndpointWithSource(inputs: EndpointInputs): ResolvedEndpoint {
  const env = inputs.env;
  if (inputs.setting?.trim())
    return { endpoint: parseHost(inputs.setting.trim(), env), source: 'setting dockerfileSize.engine.host' };
  if (env.DOCKER_HOST?.trim()) return { endpoint: parseHost(env.DOCKER_HOST.trim(), env), source: 'DOCKER_HOST' };
  const configDir = inputs.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const context = env.DOCKER_CONTEXT?.trim() || currentContext(configDir);
  if (context && context !== 'default') {
    return {
      endpoint: contextEndpoint(configDir, context, env),
      source: `docker context ${context}${env.DOCKER_CONTEXT ? ' (DOCKER_CONTEXT)' : ''}`,
    };
  }
  const platform = inputs.platform ?? process.platform;
  if (platform === 'win32')
    return {
      endpoint: { kind: 'socket', url: `npipe://${DEFAULT_NPIPE}`, socketPath: DEFAULT_NPIPE },
      source: 'default',
    };
  const exists = inputs.exists ?? existsSync;
  if (!exists(DEFAULT_UNIX_SOCKET)) {
    const podman = [
      env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'),
      '/run/podman/podman.sock',
    ].find((p): p is string => !!p && exists(p));
    if (podman)
      return {
        endpoint: { kind: 'socket', url: `unix://${podman}`, socketPath: podman },
        source: 'Podman socket (no Docker socket)',
      };
  }
  return {
    endpoint: { kind: 'socket', url: `unix://${DEFAULT_UNIX_SOCKET}`, socketPath: DEFAULT_UNIX_SOCKET },
    source: 'default',
  };
}

/** A file's bytes, or undefined when it is not there; any other failure is the user's to fix, said in one line. */
function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    // Absent is a miss, not a fault: docker itself runs without a config.json, and TLS without a ca.pem.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EngineError('bad-endpoint', `${file} cannot be read (${(e as Error).message})`);
  }
}

function currentContext(configDir: string): string | null {
  const file = join(configDir, 'config.json');
  const text = readIfThere(file);
  if (text === undefined) return null;
  let config: { currentContext?: unknown } | null;
  try {
    config = JSON.parse(text.toString('utf8')) as typeof config;
  } catch (e) {
    throw new EngineError(
      'bad-endpoint',
      `${file} is not JSON (${(e as Error).message}), so its docker context is not known: fix it, or set DOCKER_HOST / dockerfileSize.engine.host`,
    );
  }
  return typeof config?.currentContext === 'string' ? config.currentContext : null;
}

/** A docker context: ~/.docker/contexts/meta/<sha256(name)>/meta.json and its TLS files under contexts/tls/. */
function contextEndpoint(configDir: string, name: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const id = createHash('sha256').update(name).digest('hex');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as typeof meta;
  } catch {
    throw new EngineError(
      'bad-endpoint',
      `docker context "${name}" is not defined (docker context ls lists them; docker context use default resets it)`,
    );
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) throw new EngineError('bad-endpoint', `docker context "${name}" names no docker endpoint`);
  const endpoint = parseHost(host, { ...env, DOCKER_TLS_VERIFY: undefined });
  if (endpoint.kind !== 'tcp') return endpoint;
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  if (!existsSync(join(tlsDir, 'cert.pem'))) return endpoint;
  return { ...endpoint, tls: readTls(tlsDir) };
}

export function parseHost(host: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(host);
  if (!m)
    throw new EngineError(
      'bad-endpoint',
      `engine address "${host}" is not understood: use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host`,
    );
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'unix' || scheme === 'npipe') {
    if (!rest) throw new EngineError('bad-endpoint', `engine address "${host}" names no socket`);
    return { kind: 'socket', url: host, socketPath: rest };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hp = /^\[?([^\]/@]+?)\]?(?::(\d+))?\/?$/.exec(rest);
    if (!hp) throw new EngineError('bad-endpoint', `engine address "${host}" has no host: use tcp://host:port`);
    const tlsOn =
      scheme === 'https' ||
      (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0');
    const port = hp[2] ? Number(hp[2]) : tlsOn ? 2376 : 2375;
    return {
      kind: 'tcp',
      url: host,
      host: hp[1]!,
      port,
      tls: tlsOn ? readTls(env.DOCKER_CERT_PATH || join(env.HOME ?? homedir(), '.docker')) : null,
    };
  }
  if (scheme === 'ssh') {
    const sp = /^(?:([^@/]+)@)?\[?([^\]/:@]+)\]?(?::(\d+))?\/?$/.exec(rest);
    if (!sp) throw new EngineError('bad-endpoint', `engine address "${host}" has no host: use ssh://user@host[:port]`);
    return { kind: 'ssh', url: host, host: sp[2]!, port: sp[3] ? Number(sp[3]) : 22, username: sp[1] ?? null };
  }
  throw new EngineError(
    'bad-endpoint',
    `engine address "${host}": the ${scheme}:// scheme is not supported; use unix://, npipe://, tcp:// or ssh://`,
  );
}

function readTls(dir: string): Tls {
  const read = (name: string) => readIfThere(join(dir, name));
  const tls: Tls = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
  if (!tls.cert || !tls.key)
    throw new EngineError(
      'bad-endpoint',
      `TLS is on but ${dir} has no cert.pem and key.pem: set DOCKER_CERT_PATH to the folder that has them`,
    );
  return tls;
}
