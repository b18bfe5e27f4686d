// One connection per engine address: the caching image source, the event stream that keeps it fresh, and whether
// the engine answers. Listeners hear of image changes (debounced: a build tags several times) and status changes.
import { Emitter, type Event } from 'vscode-languageserver/node';
import { DockerodeSource } from '../engine/dockerode';
import { resolveEndpointWithSource, type ResolvedEndpoint } from '../engine/endpoint';
import { RecentImages, watchImageEvents } from '../engine/events';
import { EngineError, type Disposable, type EngineVersion } from '../engine/source';
import { CachingSource } from '../images/cachingSource';
import type { Settings } from '../protocol';

export interface EngineStatus {
  readonly url: string;
  readonly source: string;
  /** null until known. */
  readonly reachable: boolean | null;
  readonly message: string | null;
  readonly version: EngineVersion | null;
}

export type EngineChange = 'images' | 'status';

/** Makes the engine client for an address: injected, so a session can run against another engine (or a fake). */
export type EngineFactory = (resolved: ResolvedEndpoint, timeoutMs: number) => DockerodeSource;

export const dockerodeEngines: EngineFactory = (resolved, timeoutMs) =>
  DockerodeSource.connect(resolved.endpoint, timeoutMs);

export class EngineConnection implements Disposable {
  readonly source: CachingSource;
  /** The engine itself, for what is not an image query (builds). */
  readonly engine: DockerodeSource;
  /** The images its events said were built, tagged, loaded or imported while the server watched: discovery's first. */
  readonly recent = new RecentImages();
  private status_: EngineStatus;
  private readonly changes = new Emitter<EngineChange>();
  /** Images changed (debounced), or whether the engine answers. */
  readonly onChange: Event<EngineChange> = this.changes.event;
  private readonly watcher: Disposable;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    readonly resolved: ResolvedEndpoint,
    timeoutMs: number,
    connect: EngineFactory,
    private readonly debounceMs = 200,
  ) {
    const raw = connect(resolved, timeoutMs);
    this.engine = raw;
    this.source = new CachingSource(raw, Date.now, (e) => this.observe(e));
    this.status_ = {
      url: resolved.endpoint.url,
      source: resolved.source,
      reachable: null,
      message: null,
      version: null,
    };
    this.watcher = watchImageEvents(raw, {
      onEvent: (e) => {
        this.recent.note(e);
        this.source.invalidate(e.action === 'delete' ? [e.id] : []);
        this.imagesChanged();
      },
      onState: (error) => {
        const wasLive = this.source.watched;
        this.source.watched = error === null;
        if (error === null) {
          void raw.version().then(
            (v) => this.setStatus(true, null, v),
            (e: unknown) => this.setStatus(false, (e as Error).message, null),
          );
          // Events may have been missed while the stream was down: images may even have been deleted.
          if (!wasLive) {
            this.source.invalidateAll();
            this.imagesChanged();
          }
        } else {
          // A stream that breaks says little ("aborted"); a failed reconnect says what to do (EngineError).
          const why = /^no engine answers|did not answer/.test(error)
            ? error
            : `lost the connection to the engine at ${this.status_.url} (${error}); retrying`;
          this.setStatus(false, why, this.status_.version);
        }
      },
    });
  }

  get status(): EngineStatus {
    return this.status_;
  }

  /** A call failed or succeeded: keeps `reachable` honest between event-stream reconnects. */
  observe(error: unknown): void {
    if (error === null) {
      if (this.status_.reachable !== true) this.setStatus(true, null, this.status_.version);
    } else if (error instanceof EngineError && (error.kind === 'unreachable' || error.kind === 'timeout')) {
      this.setStatus(false, error.message, this.status_.version);
    }
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.watcher.dispose();
    this.changes.dispose();
  }

  private setStatus(reachable: boolean, message: string | null, version: EngineVersion | null): void {
    const changed = reachable !== this.status_.reachable || message !== this.status_.message;
    this.status_ = { ...this.status_, reachable, message, version };
    if (changed) this.changes.fire('status');
  }

  private imagesChanged(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.changes.fire('images');
    }, this.debounceMs);
  }
}

/** Connections by address; an address that cannot be parsed is an error the status bar shows. */
export class Engines implements Disposable {
  private readonly byUrl = new Map<string, EngineConnection>();
  private readonly changes = new Emitter<{ readonly conn: EngineConnection; readonly change: EngineChange }>();

  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly connect: EngineFactory = dockerodeEngines,
  ) {}

  for(settings: Settings): EngineConnection {
    const resolved = resolveEndpointWithSource({ setting: settings.engine.host, env: this.env });
    const key = `${resolved.endpoint.url} ${settings.engine.timeoutMs}`;
    let conn = this.byUrl.get(key);
    if (!conn) {
      conn = new EngineConnection(resolved, settings.engine.timeoutMs, this.connect);
      const c = conn;
      conn.onChange((change) => {
        this.changes.fire({ conn: c, change });
      });
      this.byUrl.set(key, conn);
    }
    return conn;
  }

  /** Any connection's change. */
  onChange(fn: (conn: EngineConnection, c: EngineChange) => void): Disposable {
    return this.changes.event(({ conn, change }) => {
      fn(conn, change);
    });
  }

  /** Closes the connections nobody uses any more (after settings moved the documents to another engine). */
  retain(inUse: ReadonlySet<EngineConnection>): void {
    for (const [key, conn] of this.byUrl) {
      if (inUse.has(conn)) continue;
      conn.dispose();
      this.byUrl.delete(key);
    }
  }

  dispose(): void {
    for (const c of this.byUrl.values()) c.dispose();
    this.byUrl.clear();
    this.changes.dispose();
  }
}
