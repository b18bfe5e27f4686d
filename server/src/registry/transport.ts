// How the registry client reaches a registry: TLS verified against the CAs Node trusts plus the user's `--ca-cert`
// files, TLS unverified for an `--insecure-registry` (as Docker does), and what a failed handshake means to the user.
//
// Node's global fetch has no per-request CA option; it takes a `dispatcher`. The dispatcher is an `Agent` of undici,
// the maintained library Node's fetch is built on, with `connect: { ca }`: a few lines, and the client keeps fetch's
// streams, aborts and timeouts unchanged. node:https would take a CA too, but the client would need a second code
// path for requests, redirects and streamed bodies. undici weighs half a megabyte bundled (about 15 ms of parsing at
// every start of the CLI), so it has a bundle of its own (undiciAgent.ts), loaded only when a CA file or an insecure
// registry asks for it; without either, fetch's own default dispatcher (and trust store) is used.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Agent as UndiciAgent } from 'undici';

/** The answer to a TLS handshake the client could not make, as the user must read it. */
export type TlsProblem =
  | { readonly kind: 'unknown-ca'; readonly code: string }
  | { readonly kind: 'plain-http' }
  | { readonly kind: 'refused'; readonly detail: string };

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
const CERT_REFUSED = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
]);

/** What a fetch failure says about TLS, or null when it is about something else (a refused connection, a timeout). */
export function tlsProblem(e: unknown): TlsProblem | null {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  if (!(cause instanceof Error)) return null;
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  if (UNKNOWN_CA.has(code)) return { kind: 'unknown-ca', code };
  // A TLS client hello answered with plain text: the server speaks HTTP on that port.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/.test(cause.message))
    return { kind: 'plain-http' };
  if (CERT_REFUSED.has(code)) return { kind: 'refused', detail: cause.message };
  return null;
}

/** The CAs Node trusts by default (with --use-system-ca and NODE_EXTRA_CA_CERTS where this Node knows them). */
function defaultCas(env: Readonly<Record<string, string | undefined>>): string[] {
  const withDefaults = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  if (withDefaults) return withDefaults('default');
  // Node 20: the bundled Mozilla store; a `ca` option replaces it (and the extra certificates) wholesale.
  const extra = env.NODE_EXTRA_CA_CERTS ? [readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')] : [];
  return [...tls.rootCertificates, ...extra];
}

/** undici's Agent: from its bundle beside this one once built, else (the sources run by the tests) from undici. */
async function agentClass(): Promise<typeof UndiciAgent> {
  const beside = join(__dirname, 'undici-agent.js');
  if (!existsSync(beside)) return (await import('undici')).Agent;
  return (createRequire(__filename)(beside) as { Agent: typeof UndiciAgent }).Agent;
}

/**
 * The dispatcher for one registry: the default CAs plus `ca` (PEM texts), or no verification at all for an
 * insecure registry; undefined when neither applies (fetch's default dispatcher).
 */
export async function registryDispatcher(
  ca: readonly string[],
  insecure: boolean,
  env: Readonly<Record<string, string | undefined>>,
): Promise<object | undefined> {
  if (!insecure && !ca.length) return undefined;
  const Agent = await agentClass();
  return new Agent({ connect: insecure ? { rejectUnauthorized: false } : { ca: [...defaultCas(env), ...ca] } });
}
