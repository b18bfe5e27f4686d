// A proxy in front of the real engine socket that a test controls: it forwards (on a unix socket or a tcp port),
// hangs (accepts and never answers), closes (the engine is gone) and reopens on the same address (it is back) —
// so tests can take "the engine" away without touching the shared one. FaultProxy does the same at the HTTP level:
// it forwards, or answers a path with the fault a test chose (bad JSON, HTML, an error, a redirect, a stall, a cut).
import { mkdtempSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class EngineProxy {
  mode: 'forward' | 'hang' = 'forward';
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  private constructor(
    private readonly socketPath: string | null,
    private readonly target: string,
  ) {}

  /** Listens on a fresh unix socket (`'unix'`) or a free port on 127.0.0.1 (`'tcp'`), forwarding to `target`. */
  static async start(kind: 'unix' | 'tcp', target = '/var/run/docker.sock'): Promise<EngineProxy> {
    const proxy = new EngineProxy(
      kind === 'unix' ? join(mkdtempSync(join(tmpdir(), 'dfsize-proxy-')), 'engine.sock') : null,
      target,
    );
    await proxy.reopen();
    return proxy;
  }

  get url(): string {
    return this.socketPath ? `unix://${this.socketPath}` : `tcp://127.0.0.1:${this.port}`;
  }

  /** Listens (again) on the same address. */
  async reopen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) =>
      this.socketPath ? server.listen(this.socketPath, resolve) : server.listen(this.port, '127.0.0.1', resolve),
    );
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

/** What the fault proxy does with one request instead of forwarding it as it is. */
export type Fault =
  /** Answers by itself: any status, any body (HTML, broken JSON, a redirect with its Location header). */
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Forwards the engine's answer, with `edit` applied to its parsed JSON body. */
  | { readonly kind: 'edit'; readonly edit: (json: unknown) => unknown }
  /** Forwards the head and the first `bytes` of the body, then sends nothing more and keeps the connection open. */
  | { readonly kind: 'stall'; readonly bytes: number }
  /** Forwards the head and the first `bytes` of the body, then closes the connection: the engine died mid-answer. */
  | { readonly kind: 'cut'; readonly bytes: number }
  /** Runs `before` (say, deletes the image on the real engine), then forwards. */
  | { readonly kind: 'before'; readonly before: () => Promise<void> }
  /** Forwards the answer with the body byte at offset `at` changed: bytes altered on the way. */
  | { readonly kind: 'flip'; readonly at: number };

export interface FaultRule {
  readonly path: RegExp;
  readonly fault: Fault;
  /** How many requests get the fault (default: all); later ones are forwarded as they are. */
  times?: number;
}

/**
 * An HTTP proxy in front of the real engine socket, on a unix socket of its own: every request is forwarded as it is,
 * except those whose path matches a rule, which get the rule's fault. `seen` lists the paths asked, in order.
 */
export class FaultProxy {
  rules: FaultRule[] = [];
  readonly seen: string[] = [];
  /** Bytes of the answers' bodies forwarded as they are (what a client fetched through the proxy). */
  bytes = 0;
  private readonly sockets = new Set<Socket>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'dfsize-faults-'));
  private readonly server = createHttpServer((req, res) => void this.handle(req, res));

  private constructor(private readonly target: string) {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(target = '/var/run/docker.sock'): Promise<FaultProxy> {
    const p = new FaultProxy(target);
    await new Promise<void>((resolve) => p.server.listen(join(p.dir, 'engine.sock'), resolve));
    return p;
  }

  /** The same in front of an HTTP server on this machine (`127.0.0.1:5000`), listening on a free loopback port. */
  static async startTcp(target: string): Promise<FaultProxy> {
    const p = new FaultProxy(target);
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    return p;
  }

  /** `unix:///…/engine.sock`, or `127.0.0.1:PORT` when listening on TCP. */
  get url(): string {
    const a = this.server.address();
    return a && typeof a === 'object' ? `127.0.0.1:${a.port}` : `unix://${join(this.dir, 'engine.sock')}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.seen.push(path);
    const rule = this.rules.find((r) => r.path.test(path.split('?')[0] ?? '') && (r.times ?? 1) > 0);
    if (rule?.times !== undefined) rule.times--;
    const fault = rule?.fault;
    if (fault?.kind === 'answer') {
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
      res.end(fault.body);
      return;
    }
    // A client that goes away before its answer is complete (a cancelled request) takes the upstream request with it:
    // an answer nobody reads would hold its connection, and the test process, open.
    let up: ReturnType<typeof httpRequest> | null = null;
    let gone = false;
    res.on('close', () => {
      gone = !res.writableFinished;
      if (gone) up?.destroy();
    });
    if (fault?.kind === 'before') await fault.before();
    if (gone) return;
    const where = this.target.startsWith('/')
      ? { socketPath: this.target }
      : { host: this.target.split(':')[0], port: Number(this.target.split(':')[1]) };
    up = httpRequest({ ...where, path, method: req.method, headers: req.headers }, (answer) => {
      if (fault?.kind === 'edit') {
        this.edited(answer, res, fault.edit);
        return;
      }
      if (fault?.kind === 'flip') {
        this.flipped(answer, res, fault.at);
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (fault?.kind !== 'stall' && fault?.kind !== 'cut') {
        answer.on('data', (c: Buffer) => (this.bytes += c.length));
        return void answer.pipe(res);
      }
      let left = fault.bytes;
      answer.on('data', (chunk: Buffer) => {
        if (left <= 0) return;
        res.write(chunk.subarray(0, left));
        left -= chunk.length;
        if (left > 0) return;
        answer.destroy();
        if (fault.kind === 'cut') res.socket?.destroy();
      });
    });
    up.on('error', () => res.socket?.destroy());
    // A client that goes (a test's language server killed, the proxy closed) ends the engine's side too: an event
    // stream left open upstream would keep the test process alive after its last test.
    res.on('close', () => up.destroy());
    req.pipe(up);
  }

  private flipped(answer: IncomingMessage, res: ServerResponse, at: number): void {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    let offset = 0;
    answer.on('data', (chunk: Buffer) => {
      const c = Buffer.from(chunk);
      if (at >= offset && at < offset + c.length) c[at - offset] = (c[at - offset] ?? 0) ^ 0xff;
      offset += c.length;
      res.write(c);
    });
    answer.on('end', () => res.end());
  }

  private edited(answer: IncomingMessage, res: ServerResponse, edit: (json: unknown) => unknown): void {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      const body = JSON.stringify(edit(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.writeHead(answer.statusCode ?? 502, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  }
}
