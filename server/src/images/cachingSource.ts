// An ImageSource that remembers: an image's metadata and history never change for a given id, so they are kept by
// id; the image list and tag → id answers are kept until the engine's events say something changed (or, while the
// event stream is down, for a few seconds). Warm discovery then makes no engine round trip at all.
import type { HistoryRow } from '../core/history';
import type { EngineVersion, ImageDetails, ImageSource, ImageSummary } from '../engine/source';

const ID = /^sha256:[a-f0-9]{64}$/;
const UNWATCHED_TTL_MS = 3000;

export class CachingSource implements ImageSource {
  private list$: { at: number; value: Promise<ImageSummary[]> } | null = null;
  private readonly details = new Map<string, Promise<ImageDetails>>();
  private readonly histories = new Map<string, Promise<HistoryRow[]>>();
  /** Answers by reference (tags move): dropped on every change. */
  private readonly byRef = new Map<string, Promise<ImageDetails>>();
  private readonly historyByRef = new Map<string, Promise<HistoryRow[]>>();
  /** True while the event stream is connected: then nothing expires by time. */
  watched = false;

  /**
   * `observe` hears how each real round trip to the engine went (null: it answered): answers served from the cache say
   * nothing about whether the engine is up.
   */
  constructor(
    private readonly inner: ImageSource,
    private readonly now: () => number = Date.now,
    private readonly observe: (error: unknown) => void = () => undefined,
  ) {}

  get endpoint(): string {
    return this.inner.endpoint;
  }

  /** The event stream was down: anything may have changed, deleted ids included. */
  invalidateAll(): void {
    this.invalidate();
    this.details.clear();
    this.histories.clear();
  }

  /** Something changed on the engine: lists and tags are stale; `deleted` ids are gone for good. */
  invalidate(deleted: readonly string[] = []): void {
    this.list$ = null;
    this.byRef.clear();
    this.historyByRef.clear();
    for (const id of deleted) {
      this.details.delete(id);
      this.histories.delete(id);
    }
  }

  version(): Promise<EngineVersion> {
    return this.ask(this.inner.version());
  }

  list(): Promise<ImageSummary[]> {
    const fresh = this.list$ && (this.watched || this.now() - this.list$.at < UNWATCHED_TTL_MS);
    if (!fresh)
      this.list$ = {
        at: this.now(),
        value: this.forget(this.ask(this.inner.list()), () => {
          this.list$ = null;
        }),
      };
    return this.list$!.value;
  }

  inspect(ref: string): Promise<ImageDetails> {
    const cache = ID.test(ref) ? this.details : this.byRef;
    let p = cache.get(ref);
    if (!p) {
      p = this.forget(this.ask(this.inner.inspect(ref)), () => cache.delete(ref));
      cache.set(ref, p);
      // A side chain: the caller of inspect() receives p's failure; this one only must not be left unhandled.
      void p.then(
        (d) => {
          if (!this.details.has(d.id)) this.details.set(d.id, Promise.resolve(d));
        },
        () => undefined,
      );
    }
    return p;
  }

  history(ref: string): Promise<HistoryRow[]> {
    const cache = ID.test(ref) ? this.histories : this.historyByRef;
    let p = cache.get(ref);
    if (!p) {
      p = this.forget(this.ask(this.inner.history(ref)), () => cache.delete(ref));
      cache.set(ref, p);
    }
    return p;
  }

  export(ref: string): Promise<NodeJS.ReadableStream> {
    return this.ask(this.inner.export(ref));
  }

  private ask<T>(p: Promise<T>): Promise<T> {
    p.then(
      () => this.observe(null),
      (e: unknown) => this.observe(e),
    );
    return p;
  }

  /** Failures are not remembered: the next call asks again. */
  private forget<T>(p: Promise<T>, drop: () => void): Promise<T> {
    p.catch(drop);
    return p;
  }
}
