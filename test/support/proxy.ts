// A proxy in front of the real engine socket that a test controls: it can forward (tcp:// or unix:// front), hang
// (accept and never answer) or be closed — so tests can take "the engine" away without touching the shared one.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class EngineProxy {
  private readonly sockets = new Set<Socket>();
  mode: 'forward' | 'hang' = 'forward';
  private constructor(private readonly server: Server, readonly url: string) {}

  /** Listens on a unix socket (`kind: 'unix'`) or on 127.0.0.1 (`'tcp'`) and forwards to `target` (a unix socket). */
  static async start(kind: 'unix' | 'tcp', target = '/var/run/docker.sock'): Promise<EngineProxy> {
    let proxy: EngineProxy | undefined;
    const server = createServer((client) => {
      proxy!.sockets.add(client);
      client.on('close', () => proxy!.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (proxy!.mode === 'hang') return;
      const upstream = createConnection(target);
      proxy!.sockets.add(upstream);
      upstream.on('close', () => { proxy!.sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    const path = kind === 'unix' ? join(mkdtempSync(join(tmpdir(), 'dfsize-proxy-')), 'engine.sock') : undefined;
    await new Promise<void>((resolve) => (path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)));
    const addr = server.address();
    const url = path ? `unix://${path}` : `tcp://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    proxy = new EngineProxy(server, url);
    return proxy;
  }

  /** Stops listening and cuts every open connection: the engine is gone. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
