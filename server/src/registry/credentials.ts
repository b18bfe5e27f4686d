// Registry credentials the way the docker CLI finds them in its config file (`$DOCKER_CONFIG/config.json`, else
// `~/.docker/config.json`): a `credHelpers` entry for the registry, else the `credsStore`, else `auths`. Helpers are
// `docker-credential-NAME get`, spawned without a shell, the registry on stdin. A secret is never put in an error.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credential {
  readonly username: string;
  /** A password, or an identity token when `username` is `<token>`. */
  readonly secret: string;
  /** Where it came from, for messages: `auths`, or the helper's name. */
  readonly from: string;
}

/** The key Docker Hub's credentials are stored under. */
export const HUB_KEY = 'https://index.docker.io/v1/';

export class CredentialError extends Error {
  override name = 'CredentialError';
}

interface DockerConfig {
  readonly auths?: Record<string, { auth?: string; identitytoken?: string } | undefined>;
  readonly credsStore?: string;
  readonly credHelpers?: Record<string, string | undefined>;
}

export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

async function readConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CredentialError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    throw new CredentialError(`${path} is not valid JSON: fix or remove it`);
  }
}

/** The config keys a registry's entry may be under (`host`, `https://host`, Docker Hub's historic URL). */
function keysFor(host: string): string[] {
  if (host === 'registry-1.docker.io' || host === 'docker.io' || host === 'index.docker.io') return [HUB_KEY];
  return [host, `https://${host}`, `http://${host}`];
}

function fromAuths(cfg: DockerConfig, keys: readonly string[]): Credential | null {
  for (const k of keys) {
    const a = cfg.auths?.[k];
    if (a?.identitytoken) return { username: '<token>', secret: a.identitytoken, from: 'auths' };
    if (!a?.auth) continue;
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) return { username: plain.slice(0, colon), secret: plain.slice(colon + 1), from: 'auths' };
  }
  return null;
}

/** `docker-credential-NAME get`: the credential, or null when the helper has none for this registry. */
export function runHelper(
  name: string,
  serverUrl: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Credential | null> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return Promise.reject(new CredentialError(`bad credential helper name "${name}"`));
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const p = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env } });
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => {
      out.push(d);
    });
    p.on('error', (e) => {
      reject(new CredentialError(`cannot run ${program} (${e.message}): install it or fix the config`));
    });
    p.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      // The helpers' protocol: "credentials not found" on stdout with a non-zero exit means none for this server.
      if (code !== 0) {
        if (/credentials not found/i.test(text)) resolve(null);
        else reject(new CredentialError(`${program} get failed (exit ${String(code)})`));
        return;
      }
      try {
        const j = JSON.parse(text) as { Username?: unknown; Secret?: unknown };
        if (typeof j.Username !== 'string' || typeof j.Secret !== 'string') throw new Error('no Username/Secret');
        resolve({ username: j.Username, secret: j.Secret, from: program });
      } catch {
        reject(new CredentialError(`${program} get answered something that is not a credential`));
      }
    });
    p.stdin.end(serverUrl);
  });
}

/** The credential the docker CLI would use for `host`, or null for anonymous access. */
export async function credentialFor(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Credential | null> {
  const cfg = await readConfig(dockerConfigPath(env));
  const keys = keysFor(host);
  const helper = keys.map((k) => cfg.credHelpers?.[k]).find((h) => h) ?? null;
  if (helper) return runHelper(helper, keys[0] ?? host, env);
  // As the docker CLI: with a credsStore, the config file's `auths` only lists registries; the store holds secrets.
  if (cfg.credsStore) return runHelper(cfg.credsStore, keys[0] ?? host, env);
  return fromAuths(cfg, keys);
}
