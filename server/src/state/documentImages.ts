// Which image each open Dockerfile's numbers come from, and why — the user's explicit choice, then the images linked
// to the file (our label, a compose service), then history matching — kept current as the engine changes, and kept
// (marked cached) while the engine does not answer.
import { fileURLToPath } from 'node:url';
import { stageChain, type DockerfileModel } from '../core/dockerfile';
import type { MatchOptions } from '../core/match';
import { EngineError } from '../engine/source';
import {
  baseOptions,
  discoverImage,
  imageFromEngine,
  ScoreCache,
  stageImages,
  targetStage,
  type ResolvedImage,
} from '../images/resolve';
import type { SettingsStore } from './settings';
import type { EngineConnection, Engines } from './engines';

export interface ImageState {
  readonly image: ResolvedImage | null;
  /** The root base and stage the image's match options were computed for (`image.matchOptions`). */
  readonly baseKey?: string;
  /** Images built for the stages the image does not hold (Build Image with dockerfileSize.build.allStages). */
  readonly stages?: readonly ResolvedImage[];
  readonly conn: EngineConnection | null;
  /** `image` is the last one known: the engine is not answering now, or answered with an error or garbage. */
  readonly cached: boolean;
  /** Why this image, or why none and what to do. */
  readonly message: string;
}

export interface DocumentImagesDeps {
  readonly engines: Engines;
  readonly settings: SettingsStore;
  /** The current model of an open document. */
  readonly modelOf: (uri: string) => DockerfileModel | undefined;
  /** The workspace folder containing the document (compose files are looked for up to it). */
  readonly folderOf: (uri: string) => string | undefined;
  readonly onChange: (uri: string) => void;
  /** Hears what failed on the side (the output channel): the document keeps what it had. */
  readonly warn: (message: string) => void;
}

/** The file path of a `file:` document URI; null for unsaved (untitled) documents and other schemes. */
export function fsPathOf(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    // A file: URI that names no local path (another host): no file, as for any other scheme.
    return null;
  }
}

/**
 * A failure that says nothing about the image itself: the engine did not answer, or answered with an error or with
 * something that is not the API's JSON. The last good numbers stay (marked cached) until its next good answer; an
 * image that is gone (`not-found`) or a reference that is wrong is the truth, and drops them.
 */
function keepsLastAnswer(e: unknown): e is EngineError {
  return e instanceof EngineError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'failed');
}

/** What failed, and what the user sees meanwhile and can do. */
function staleMessage(failure: string): string {
  return `${failure} — the sizes shown are from its last good answer, and update at its next good one (Select Image for Dockerfile… asks again)`;
}

/** The chain's root base and the target stage: what a base-aware match depends on. */
export function baseKeyOf(model: DockerfileModel, image: ResolvedImage): string {
  const stage = targetStage(model, image.info);
  const root = model.stages[stageChain(model, stage)[0] ?? -1];
  return `${image.info.id} ${stage} ${root?.base.kind === 'image' ? root.base.ref : (root?.base.kind ?? '')}`;
}

export class DocumentImages {
  private readonly states = new Map<string, ImageState>();
  private readonly inflight = new Map<string, Promise<ImageState>>();
  /** Asked to refresh while a resolution ran: resolve once more after it (it may have started before the change). */
  private readonly dirty = new Set<string>();
  private readonly options = new Map<string, MatchOptions>();
  private readonly optionsRunning = new Set<string>();
  /** Kept across discoveries: after an engine event only new images are scored. */
  readonly scores = new ScoreCache();

  constructor(
    private readonly deps: DocumentImagesDeps,
    private readonly selections: Map<string, string>,
  ) {}

  current(uri: string): ImageState | undefined {
    return this.states.get(uri);
  }

  /** The state now if known, else the resolution under way (or a new one). */
  get(uri: string): Promise<ImageState> {
    const known = this.states.get(uri);
    return known ? Promise.resolve(known) : this.refresh(uri);
  }

  /**
   * Resolves again. Concurrent calls share one resolution; a call made while one runs (a selection, new settings, an
   * engine event) gets one more after it, since the running one may have started before the change.
   */
  refresh(uri: string): Promise<ImageState> {
    const running = this.inflight.get(uri);
    if (running) {
      this.dirty.add(uri);
      return running.then(() => this.inflight.get(uri) ?? this.states.get(uri) ?? this.refresh(uri));
    }
    const p = this.resolve(uri).then((s) => {
      this.inflight.delete(uri);
      // Closed while it was being resolved: nothing to keep, nothing to announce.
      if (!this.deps.modelOf(uri)) return s;
      const old = this.states.get(uri);
      this.states.set(uri, s);
      if (!old || old.image?.info.id !== s.image?.info.id || old.cached !== s.cached || old.message !== s.message)
        this.deps.onChange(uri);
      if (this.dirty.delete(uri)) void this.refresh(uri);
      return s;
    });
    this.inflight.set(uri, p);
    return p;
  }

  /** Every open document on this connection (all, without one), after the engine or the settings changed. */
  async refreshAll(conn?: EngineConnection): Promise<void> {
    if (!conn) this.options.clear();
    await Promise.all([...this.states].filter(([, s]) => !conn || s.conn === conn).map(([uri]) => this.refresh(uri)));
  }

  /** The images open documents use now (what analyses and caches should keep). */
  inUse(): Set<string> {
    return new Set([...this.states.values()].flatMap((s) => (s.image ? [s.image.info.id] : [])));
  }

  /** The engine connections open documents use now. */
  connectionsInUse(): Set<EngineConnection> {
    return new Set([...this.states.values()].flatMap((s) => (s.conn ? [s.conn] : [])));
  }

  /** The engine stopped answering: the last numbers stay, marked cached. */
  markUnreachable(conn: EngineConnection): void {
    for (const [uri, s] of this.states) {
      if (s.conn !== conn || s.cached) continue;
      const failure = conn.status.message ?? 'the engine does not answer';
      this.states.set(uri, {
        ...s,
        cached: s.image !== null,
        message: s.image ? staleMessage(failure) : failure,
      });
      this.deps.onChange(uri);
    }
  }

  select(uri: string, ref: string | null): Promise<ImageState> {
    if (ref) this.selections.set(uri, ref);
    else this.selections.delete(uri);
    return this.refresh(uri);
  }

  forget(uri: string): void {
    this.states.delete(uri);
    this.inflight.delete(uri);
    this.dirty.delete(uri);
  }

  /**
   * Match options for the current text. The resolution computed them for the text it saw; when the user has edited the
   * FROM since, the base is looked up again in the background (never in a keystroke's way): until then the match
   * treats the base as unknown, and the document is announced changed when the answer comes.
   */
  matchOptions(state: ImageState, model: DockerfileModel, uri: string): MatchOptions {
    const image = state.image!;
    const key = baseKeyOf(model, image);
    if (key === state.baseKey) return image.matchOptions;
    const stage = targetStage(model, image.info);
    const known = this.options.get(key);
    if (known) return known;
    if (image.source === 'engine' && state.conn && !state.cached && !this.optionsRunning.has(key)) {
      this.optionsRunning.add(key);
      void baseOptions(state.conn.source, model, image.info, stage)
        .then(
          (o) => {
            this.options.set(key, o);
            this.deps.onChange(uri);
          },
          (e: unknown) =>
            this.deps.warn(`base image of ${uri} not matched (sizes stay as they were): ${(e as Error).message}`),
        )
        .finally(() => this.optionsRunning.delete(key));
    }
    return { stage };
  }

  private async resolve(uri: string): Promise<ImageState> {
    const previous = this.states.get(uri);
    const model = this.deps.modelOf(uri);
    if (!model) return { image: null, conn: null, cached: false, message: 'the document is not open' };
    const settings = await this.deps.settings.get(uri);
    let conn: EngineConnection;
    try {
      conn = this.deps.engines.for(settings);
    } catch (e) {
      return { image: previous?.image ?? null, conn: null, cached: !!previous?.image, message: (e as Error).message };
    }
    try {
      let note = '';
      const chosen = this.selections.get(uri);
      if (chosen) {
        try {
          const image = await imageFromEngine(conn.source, chosen, model, 'chosen by you');
          return {
            image,
            conn,
            cached: false,
            message: `${image.ref}: chosen by you`,
            baseKey: baseKeyOf(model, image),
          };
        } catch (e) {
          if (!(e instanceof EngineError && e.kind === 'not-found')) throw e;
          note = ` (the image you chose, ${chosen}, is gone)`;
        }
      }
      const found = await discoverImage(conn.source, model, fsPathOf(uri), {
        maxImages: settings.discovery.maxImages,
        composeRoot: this.deps.folderOf(uri),
        scores: this.scores,
        recent: conn.recent.list(),
      });
      if ('none' in found) return { image: null, conn, cached: false, message: `no image: ${found.none}${note}` };
      const inImage = new Set(stageChain(model, targetStage(model, found.info)));
      const stages = await stageImages(conn.source, model, fsPathOf(uri), inImage).catch((e: unknown) => {
        this.deps.warn(
          `images of the other stages of ${uri} not found (their lines show no sizes): ${(e as Error).message}`,
        );
        return [];
      });
      return {
        image: found,
        conn,
        cached: false,
        message: `${found.ref}: ${found.reason}${note}`,
        baseKey: baseKeyOf(model, found),
        stages,
      };
    } catch (e) {
      if (keepsLastAnswer(e) && previous?.image)
        return { image: previous.image, conn, cached: true, message: staleMessage(e.message) };
      return { image: null, conn, cached: false, message: (e as Error).message };
    }
  }
}
