// A raw JSON-RPC client for the bundled language server (server/out/server.js --stdio): what any editor would send,
// with no editor and no LSP library in between. Server→client requests are answered (configuration from
// `settings`, everything else null) and recorded, so a test can wait on them instead of sleeping.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';

export const SERVER = join(ROOT, 'server', 'out', 'server.js');

interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A request the server answered with an error: its JSON-RPC code and message. */
export class ResponseFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

export class LspClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number | string, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly waiters: Array<{ match(m: Message): boolean; resolve(m: Message): void }> = [];
  /** Every notification and request the server sent, in order. */
  readonly received: Message[] = [];
  stderr = '';
  settings: unknown = {};

  constructor(env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { env: { ...process.env, ...env } });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
  }

  get exited(): Promise<number | null> {
    return new Promise((resolve) =>
      this.proc.exitCode !== null ? resolve(this.proc.exitCode) : this.proc.once('exit', (c) => resolve(c)),
    );
  }

  private send(m: Message): void {
    const body = Buffer.from(JSON.stringify(m), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + len) return;
      const msg = JSON.parse(this.buffer.subarray(end + 4, end + 4 + len).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(end + 4 + len);
      this.dispatch(msg);
    }
  }

  private dispatch(m: Message): void {
    if (m.method === undefined && m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new ResponseFailure(m.error.code, m.error.message));
      else p?.resolve(m.result);
      return;
    }
    this.received.push(m);
    if (m.id !== undefined) {
      const result =
        m.method === 'workspace/configuration'
          ? (m.params as { items: unknown[] }).items.map(() => this.settings)
          : null;
      this.send({ jsonrpc: '2.0', id: m.id, result });
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.match(m)) this.waiters.splice(i, 1)[0]!.resolve(m);
    }
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    return this.requestWithId<T>(method, params).answer;
  }

  /** A request and its id, for `$/cancelRequest`. */
  requestWithId<T = unknown>(method: string, params: unknown): { id: number; answer: Promise<T> } {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
    return { id, answer };
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The server's resident memory now (VmRSS from /proc), in bytes. */
  rssBytes(): number {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    return Number(kb) * 1024;
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Resolves with the first message from the server (already received or still to come) that matches. */
  waitFor(method: string, match: (params: unknown) => boolean = () => true, since = 0): Promise<Message> {
    const hit = this.received.slice(since).find((m) => m.method === method && match(m.params));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) =>
      this.waiters.push({ match: (m) => m.method === method && match(m.params), resolve }),
    );
  }

  /** `processId`: the client process the server watches (default this one): when it is gone, the server exits. */
  async initialize(
    initializationOptions: unknown = { workspaceTrusted: true },
    rootUri: string | null = null,
    processId = process.pid,
  ): Promise<{ capabilities: Record<string, unknown>; serverInfo?: { name: string; version?: string } }> {
    const result = await this.request<{ capabilities: Record<string, unknown> }>('initialize', {
      processId,
      rootUri,
      initializationOptions,
      capabilities: {
        workspace: { configuration: true, inlayHint: { refreshSupport: true } },
        window: { workDoneProgress: true },
        textDocument: { inlayHint: {}, hover: { contentFormat: ['markdown', 'plaintext'] } },
      },
    });
    this.notify('initialized', {});
    return result;
  }

  open(uri: string, text: string, version = 1): void {
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version, text } });
  }

  async shutdown(): Promise<number | null> {
    await this.request('shutdown', null);
    this.notify('exit', null);
    return this.exited;
  }

  kill(): void {
    this.proc.kill();
  }
}
