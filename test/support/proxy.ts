// A proxy in front of the real engine socket that a test controls: it forwards (on a unix socket or a tcp port),
// hangs (accepts and never answers), closes (the engine is gone) and reopens on the same address (it is back) —
// so tests can take "the engine" away without touching the shared one.
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class EngineProxy {
  mode: 'forward' | 'hang' = 'forward';
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  private constructor(private readonly socketPath: string | null, private readonly target: string) {}

  /** Listens on a fresh unix socket (`'unix'`) or a free port on 127.0.0.1 (`'tcp'`), forwarding to `target`. */
  static async start(kind: 'unix' | 'tcp', target = '/var/run/docker.sock'): Promise<EngineProxy> {
    const proxy = new EngineProxy(kind === 'unix' ? join(mkdtempSync(join(tmpdir(), 'dfsize-proxy-')), 'engine.sock') : null, target);
    await proxy.reopen();
    return proxy;
  }

  get url(): string {
    return this.socketPath ? `unix://${this.socketPath}` : `tcp://127.0.0.1:${this.port}`;
  }

  /** Listens (again) on the same address. */
  async reopen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => (this.socketPath ? server.listen(this.socketPath, resolve) : server.listen(this.port, '127.0.0.1', resolve)));
    const addr = server.address();
    if (typeof addr === 'object' && addr) this.port = addr.port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection: the engine is gone. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.on('error', () => client.destroy());
    if (this.mode === 'hang') return;
    const upstream = this.track(createConnection(this.target));
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  private track(s: Socket): Socket {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    return s;
  }
}
