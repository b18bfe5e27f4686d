// The token server behind the bearer-token registry that scripts/parts/registry.sh starts on 127.0.0.1:5002: it
// answers the registry's realm (http://127.0.0.1:5003/token) the way Docker Hub's auth service does — Basic
// credentials in, an RS256 JWT out, signed with the key the script made and chained (x5c) to the certificate the
// registry trusts. `expireNext` makes the next token one the registry will refuse as expired, as a long pull meets.
import { randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

export const REGISTRY_DATA = process.env.DFSIZE_REGISTRY_DATA ?? '/tmp/dfsize-registry';
export const TOKEN_REALM_PORT = 5003;

/** The test user the basic and token registries accept (made by registry.sh; the password is never printed). */
export function registryUser(): { user: string; password: string } {
  const read = (f: string) => readFileSync(join(REGISTRY_DATA, 'auth', f), 'utf8').trim();
  return { user: read('user'), password: read('password') };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class TokenServer {
  expireNext = false;
  /** Docker Hub's way: a request with no credentials gets a token for pulls only (anonymous access). */
  anonymousPull = false;
  issued = 0;
  private readonly key = readFileSync(join(REGISTRY_DATA, 'token-keys', 'key.pem'), 'utf8');
  private readonly cert = new X509Certificate(readFileSync(join(REGISTRY_DATA, 'token-keys', 'cert.pem')));
  private readonly server: Server = createServer((req, res) => {
    this.answer(req, res);
  });

  static async start(): Promise<TokenServer> {
    const t = new TokenServer();
    await new Promise<void>((resolve, reject) => {
      t.server.once('error', reject);
      t.server.listen(TOKEN_REALM_PORT, '127.0.0.1', resolve);
    });
    return t;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { user, password } = registryUser();
    const given = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    const anonymous = this.anonymousPull && req.headers.authorization === undefined;
    if (!anonymous && given !== `${user}:${password}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"details":"incorrect username or password"}');
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      const allowed = anonymous ? ['pull'] : ['pull', 'push'];
      return { type, name, actions: (actions ?? '').split(',').filter((a) => allowed.includes(a)) };
    });
    const now = Math.floor(Date.now() / 1000);
    const exp = this.expireNext ? now - 60 : now + 300;
    this.expireNext = false;
    this.issued++;
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.cert.raw.toString('base64')] };
    const claims = {
      iss: 'dfsize-test-token-server',
      sub: anonymous ? '' : user,
      aud: url.searchParams.get('service'),
      exp,
      nbf: now - 120,
      iat: now - 120,
      jti: randomUUID(),
      access,
    };
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${body}.${b64url(sign('sha256', Buffer.from(body), this.key))}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }
}
