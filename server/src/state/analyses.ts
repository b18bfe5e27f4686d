// The layer analyses of the images documents use: run in the background (never in the way of hints), with the
// client's work-done progress and its cancel button, once per image id, from the disk cache when it has them.
import { Emitter, type Connection, type Event } from 'vscode-languageserver/node';
import { AbortedError, analyzeImage, type AnalyzedImage } from '../analysis/analyze';
import { AnalysisCache } from '../analysis/cache';
import { formatBytes } from '../core/format';
import { ArchiveFormatError } from '../engine/archiveError';
import { EngineError, type Disposable, type ImageSource } from '../engine/source';

export type AnalysisState =
  | { readonly status: 'running'; readonly percent: number | null }
  | { readonly status: 'done'; readonly result: AnalyzedImage }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'cancelled' };

export class Analyses implements Disposable {
  private readonly states = new Map<string, AnalysisState>();
  private readonly running = new Map<string, AbortController>();
  private readonly changes = new Emitter<string>();
  /** The analysis of an image (its id) started, progressed, ended or failed. */
  readonly onChange: Event<string> = this.changes.event;
  private readonly cache: AnalysisCache;

  constructor(
    private readonly connection: Connection,
    cacheDir: string,
    private readonly canReportProgress: boolean,
  ) {
    this.cache = new AnalysisCache(cacheDir);
  }

  state(imageId: string): AnalysisState | undefined {
    return this.states.get(imageId);
  }

  result(imageId: string): AnalyzedImage | null {
    const s = this.states.get(imageId);
    return s?.status === 'done' ? s.result : null;
  }

  /** Starts the analysis of `imageId` unless it is running or done (`force`: also after a failure or a cancel). */
  ensure(source: ImageSource, imageId: string, ref: string, force = false): boolean {
    const s = this.states.get(imageId);
    if (s && (s.status === 'running' || s.status === 'done' || !force)) return false;
    void this.run(source, imageId, ref);
    return true;
  }

  /** An analysis no document waits for (a comparison's): from the cache or read now, and no state kept. */
  analyseOnce(source: ImageSource, imageId: string): Promise<AnalyzedImage> {
    return analyzeImage({ engine: source, image: imageId }, { cache: this.cache });
  }

  /** Drops what images nobody uses any more hold in memory (the disk cache keeps them) and stops their analyses. */
  retain(inUse: ReadonlySet<string>): void {
    for (const id of [...this.states.keys()]) {
      if (inUse.has(id)) continue;
      this.running.get(id)?.abort();
      this.states.delete(id);
    }
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort();
    this.changes.dispose();
  }

  private set(imageId: string, state: AnalysisState): void {
    this.states.set(imageId, state);
    this.changes.fire(imageId);
  }

  private async run(source: ImageSource, imageId: string, ref: string): Promise<void> {
    const abort = new AbortController();
    this.running.set(imageId, abort);
    this.set(imageId, { status: 'running', percent: null });
    const progress = this.canReportProgress
      ? await this.connection.window.createWorkDoneProgress().catch((e: unknown) => {
          // The analysis runs on without a progress bar.
          this.connection.console.warn(`dfsize: no progress for the analysis of ${ref}: ${(e as Error).message}`);
          return null;
        })
      : null;
    progress?.begin(`Analysing the layers of ${ref}`, 0, 'starting the export…', true);
    const cancel = progress?.token.onCancellationRequested(() => abort.abort());
    try {
      const result = await analyzeImage(
        { engine: source, image: imageId },
        {
          signal: abort.signal,
          cache: this.cache,
          onProgress: (p) => {
            const percent = p.totalBytes ? Math.min(99, Math.floor((100 * p.bytes) / p.totalBytes)) : null;
            progress?.report(
              percent ?? 0,
              p.phase === 'computing' ? 'computing waste…' : `${formatBytes(p.bytes)} read`,
            );
            const s = this.states.get(imageId);
            if (s?.status === 'running' && s.percent !== percent)
              this.states.set(imageId, { status: 'running', percent });
          },
        },
      );
      if (!this.states.has(imageId)) return; // evicted while it ran
      this.set(imageId, { status: 'done', result });
    } catch (e) {
      if (abort.signal.aborted && !this.states.has(imageId)) return; // evicted: nobody is waiting for it
      if (e instanceof AbortedError || abort.signal.aborted) this.set(imageId, { status: 'cancelled' });
      else {
        // Expected failures (the engine, the export) are one line; anything else is a bug, logged with its stack.
        const expected = e instanceof EngineError || e instanceof ArchiveFormatError;
        this.connection.console.error(
          `dfsize: the analysis of ${ref} failed: ${expected ? e.message : ((e as Error).stack ?? String(e))}`,
        );
        this.set(imageId, { status: 'failed', message: (e as Error).message.split('\n')[0]! });
      }
    } finally {
      this.running.delete(imageId);
      cancel?.dispose();
      progress?.done();
    }
  }
}
