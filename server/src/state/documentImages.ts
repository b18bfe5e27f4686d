// Which image each open Dockerfile's numbers come from, and why — the user's explicit choice, then the images linked
// to the file (our label, a compose service), then history matching — kept current as the engine changes, and kept
// (marked cached) while the engine does not answer.
import { fileURLToPath } from 'node:url';
import { stageChain, type DockerfileModel } from '../core/dockerfile';
import type { MatchOptions } from '../core/match';
import { EngineError } from '../engine/source';
import { baseOptions, discoverImage, imageFromEngine, ScoreCache, targetStage, type ResolvedImage } from '../images/resolve';
import type { SettingsStore } from './settings';
import type { EngineConnection, Engines } from './engines';

export interface ImageState {
  readonly image: ResolvedImage | null;
  readonly conn: EngineConnection | null;
  /** `image` is the last one known: the engine is not answering now. */
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
}

/** The file path of a `file:` document URI; null for unsaved (untitled) documents and other schemes. */
export function fsPathOf(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    return null;
  }
}

export class DocumentImages {
  private readonly states = new Map<string, ImageState>();
  private readonly inflight = new Map<string, Promise<ImageState>>();
  private readonly options = new Map<string, Promise<MatchOptions>>();
  /** Kept across discoveries: after an engine event only new images are scored. */
  readonly scores = new ScoreCache();

  constructor(private readonly deps: DocumentImagesDeps, private readonly selections: Map<string, string>) {}

  current(uri: string): ImageState | undefined {
    return this.states.get(uri);
  }

  /** The state now if known, else the resolution under way (or a new one). */
  get(uri: string): Promise<ImageState> {
    const known = this.states.get(uri);
    return known ? Promise.resolve(known) : this.refresh(uri);
  }

  /** Resolves again; concurrent calls share one resolution. */
  refresh(uri: string): Promise<ImageState> {
    let p = this.inflight.get(uri);
    if (!p) {
      p = this.resolve(uri).then((s) => {
        this.inflight.delete(uri);
        const old = this.states.get(uri);
        this.states.set(uri, s);
        if (!old || old.image?.info.id !== s.image?.info.id || old.cached !== s.cached || old.message !== s.message) this.deps.onChange(uri);
        return s;
      });
      this.inflight.set(uri, p);
    }
    return p;
  }

  /** Every open document on this connection, after the engine changed. */
  refreshAll(conn?: EngineConnection): void {
    for (const [uri, s] of this.states) if (!conn || s.conn === conn) void this.refresh(uri);
  }

  /** The engine stopped answering: the last numbers stay, marked cached. */
  markUnreachable(conn: EngineConnection): void {
    for (const [uri, s] of this.states) {
      if (s.conn !== conn || s.cached) continue;
      this.states.set(uri, { ...s, cached: s.image !== null, message: conn.status.message ?? 'the engine does not answer' });
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
  }

  /** Match options for the current text: the base may have changed since the image was resolved (FROM edited). */
  matchOptions(state: ImageState, model: DockerfileModel): Promise<MatchOptions> {
    const image = state.image!;
    const stage = targetStage(model, image.info);
    const root = model.stages[stageChain(model, stage)[0] ?? -1];
    const key = `${image.info.id} ${stage} ${root?.base.kind === 'image' ? root.base.ref : root?.base.kind ?? ''}`;
    let p = this.options.get(key);
    if (!p) {
      p = image.source === 'engine' && state.conn && !state.cached
        ? baseOptions(state.conn.source, model, image.info, stage).catch(() => ({ stage }))
        : Promise.resolve({ stage });
      this.options.set(key, p);
    }
    return p;
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
          conn.observe(null);
          return { image, conn, cached: false, message: `${image.ref}: chosen by you` };
        } catch (e) {
          if (!(e instanceof EngineError && e.kind === 'not-found')) throw e;
          note = ` (the image you chose, ${chosen}, is gone)`;
        }
      }
      const found = await discoverImage(conn.source, model, fsPathOf(uri), { maxImages: settings.discovery.maxImages, composeRoot: this.deps.folderOf(uri), scores: this.scores });
      conn.observe(null);
      if ('none' in found) return { image: null, conn, cached: false, message: `no image: ${found.none}${note}` };
      return { image: found, conn, cached: false, message: `${found.ref}: ${found.reason}${note}` };
    } catch (e) {
      conn.observe(e);
      const unreachable = e instanceof EngineError && (e.kind === 'unreachable' || e.kind === 'timeout');
      if (unreachable && previous?.image) return { image: previous.image, conn, cached: true, message: (e as Error).message };
      return { image: null, conn, cached: false, message: (e as Error).message };
    }
  }
}
