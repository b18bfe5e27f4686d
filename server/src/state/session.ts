// Everything the server knows, for the lifetime of one connection (no module state): open documents and their
// models, settings, engine connections, each document's image; and the one question every feature asks —
// "what does this document look like against its image right now?" (`view`).
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDockerfile, type DockerfileModel } from '../core/dockerfile';
import type { LineTimings } from '../core/buildTiming';
import { layersForImage, modelShells, type RowLayers } from '../core/layers';
import { matchHistory, overlayStages, type MatchOptions, type MatchResult } from '../core/match';
import type { Disposable } from '../engine/source';
import type { Status } from '../protocol';
import { sep } from 'node:path';
import { defaultCacheDir } from '../analysis/cache';
import { Analyses } from './analyses';
import { Findings } from './findings';
import { PreviousBuilds } from './previousBuilds';
import { DocumentImages, fsPathOf, type ImageState } from './documentImages';
import { Engines, type EngineFactory } from './engines';
import { SettingsStore } from './settings';

export interface DocumentView {
  readonly doc: TextDocument;
  readonly model: DockerfileModel;
  readonly state: ImageState;
  /** Null when there is no image. */
  readonly match: MatchResult | null;
  /** The match against the image alone (no image built for another stage filling in) and its options: what the rules see. */
  readonly imageMatch: { readonly match: MatchResult; readonly options: MatchOptions } | null;
  readonly rowLayers: RowLayers | null;
  /** How long each line took in the build that made the image, when it was built here; null otherwise. */
  readonly timings: LineTimings | null;
}

/**
 * Above this many characters a document is not parsed: no sizes, no rules, one diagnostic and the status say why.
 * Real Dockerfiles are a hundred times smaller; parsing and the rules take about a second at this size, so every
 * answer stays quick on a generated or pasted giant.
 */
export const MAX_DOCUMENT_CHARS = 250_000;

export interface SessionOptions {
  readonly trusted: boolean;
  readonly canAskConfiguration: boolean;
  readonly initialSettings: unknown;
  readonly selections: Readonly<Record<string, string>>;
  readonly folders: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where analyses are cached; default the CLI's cache folder. */
  readonly storageDir: string | null;
  readonly canReportProgress: boolean;
  /** How engine clients are made (default: dockerode); injected, never made inside a method. */
  readonly engineFactory?: EngineFactory;
}

export class Session implements Disposable {
  readonly settings: SettingsStore;
  readonly engines: Engines;
  readonly images: DocumentImages;
  readonly analyses: Analyses;
  readonly previousBuilds: PreviousBuilds;
  readonly findings: Findings;
  private readonly models = new Map<string, { version: number; model: DockerfileModel }>();
  private readonly matches = new Map<string, { key: string; own: MatchResult; match: MatchResult }>();
  private readonly rowLayers = new Map<string, RowLayers>();
  private readonly changeListeners = new Set<(uri: string) => void>();
  private readonly analysisListeners = new Set<(uri: string) => void>();
  private readonly settingsListeners = new Set<() => void>();
  private readonly disposables: Disposable[] = [];

  constructor(
    readonly connection: Connection,
    readonly documents: TextDocuments<TextDocument>,
    readonly options: SessionOptions,
  ) {
    this.settings = new SettingsStore(
      connection,
      options.canAskConfiguration,
      options.trusted,
      options.initialSettings,
    );
    this.engines = new Engines(options.env, options.engineFactory);
    this.images = new DocumentImages(
      {
        engines: this.engines,
        settings: this.settings,
        modelOf: (uri) => {
          const d = documents.get(uri);
          return d ? this.model(d) : undefined;
        },
        folderOf: (uri) => {
          const p = fsPathOf(uri);
          return p ? options.folders.find((f) => p.startsWith(f.endsWith(sep) ? f : f + sep)) : undefined;
        },
        onChange: (uri) => {
          for (const l of this.changeListeners) l(uri);
        },
        warn: (m) => connection.console.warn(m),
      },
      new Map(Object.entries(options.selections)),
    );
    this.analyses = new Analyses(
      connection,
      options.storageDir ?? defaultCacheDir(options.env),
      options.canReportProgress,
    );
    this.previousBuilds = PreviousBuilds.inFolder(options.storageDir, (m) => connection.console.warn(m));
    this.findings = new Findings(this);
    this.disposables.push(
      this.engines,
      this.analyses,
      this.engines.onChange((conn, change) => {
        if (change === 'images' || conn.status.reachable) this.images.refreshAll(conn);
        else this.images.markUnreachable(conn);
      }),
      // A document found its image: analyse it in the background when it is not too big to do so unasked; forget
      // what images nobody looks at any more needed.
      this.onDocumentChange((uri) => {
        this.evict();
        void this.analyseIfSmall(uri);
      }),
      // An analysis ended: every document on that image shows more now.
      this.analyses.onChange((imageId) => {
        for (const d of this.documents.all())
          if (this.images.current(d.uri)?.image?.info.id === imageId) for (const l of this.analysisListeners) l(d.uri);
      }),
    );
  }

  /** The client's settings changed (every document's settings are read again). */
  onSettingsChange(fn: () => void): Disposable {
    this.settingsListeners.add(fn);
    return { dispose: () => this.settingsListeners.delete(fn) };
  }

  /** `pushed`: what the client sent with the change, for editors that cannot be asked for configuration. */
  settingsChanged(pushed?: unknown): void {
    this.settings.clear(pushed);
    // Once every document has its (perhaps new) engine, the connections nobody uses are closed.
    void this.images.refreshAll().then(() => this.engines.retain(this.images.connectionsInUse()));
    for (const l of this.settingsListeners) l();
  }

  /** The analysis of a document's image started, progressed, ended or failed. */
  onAnalysisChange(fn: (uri: string) => void): Disposable {
    this.analysisListeners.add(fn);
    return { dispose: () => this.analysisListeners.delete(fn) };
  }

  /** Starts the analysis of the document's image; `force` also when it is big, failed or was cancelled. */
  analyse(uri: string, force: boolean): { started: boolean; message: string } {
    const s = this.images.current(uri);
    if (!s?.image) return { started: false, message: s?.message ?? 'no image for this document yet' };
    if (s.image.source !== 'engine' || !s.conn || s.cached)
      return { started: false, message: 'the engine is not answering' };
    const started = this.analyses.ensure(s.conn.source, s.image.info.id, s.image.ref, force);
    return {
      started,
      message: started
        ? `analysing ${s.image.ref}`
        : `the analysis of ${s.image.ref} is ${this.analyses.state(s.image.info.id)?.status ?? 'not started'}`,
    };
  }

  private async analyseIfSmall(uri: string): Promise<void> {
    const s = this.images.current(uri);
    if (!s?.image || this.analyses.state(s.image.info.id)) return;
    const settings = await this.settings.get(uri);
    if (s.image.info.sizeBytes <= settings.analysis.maxAutoBytes) this.analyse(uri, false);
  }

  /** Keeps `d` until the session ends (handlers' subscriptions, timers, running builds). */
  own(...d: Disposable[]): void {
    this.disposables.push(...d);
  }

  /** A document's image state changed (the hints and the status should follow). */
  onDocumentChange(fn: (uri: string) => void): Disposable {
    this.changeListeners.add(fn);
    return { dispose: () => this.changeListeners.delete(fn) };
  }

  /** Why the document gets no sizes and no rules (it is too large), or null. */
  tooLarge(doc: TextDocument): string | null {
    const chars = doc.getText().length;
    return chars > MAX_DOCUMENT_CHARS
      ? `this document has ${chars.toLocaleString('en-US')} characters: sizes and size rules are off above ${MAX_DOCUMENT_CHARS.toLocaleString('en-US')}`
      : null;
  }

  model(doc: TextDocument): DockerfileModel {
    const hit = this.models.get(doc.uri);
    if (hit?.version === doc.version) return hit.model;
    // A document too large to parse has no instructions: every feature then answers at once with nothing.
    const model = this.tooLarge(doc) ? parseDockerfile('') : parseDockerfile(doc.getText());
    if (model.failure)
      this.connection.console.error(
        `dfsize: ${doc.uri} version ${doc.version} could not be modelled: ${model.failure}`,
      );
    this.models.set(doc.uri, { version: doc.version, model });
    return model;
  }

  async view(uri: string): Promise<DocumentView | null> {
    const doc = this.documents.get(uri);
    if (!doc) return null;
    const state = await this.images.get(uri);
    const current = this.documents.get(uri);
    if (!current) return null;
    const model = this.model(current);
    if (!state.image)
      return { doc: current, model, state, match: null, imageMatch: null, rowLayers: null, timings: null };
    const timing = await this.previousBuilds.timing(state.image.info.id);
    const options = this.images.matchOptions(state, model, uri);
    const { own, match } = this.match(current, model, state, options);
    return {
      doc: current,
      model,
      state,
      match,
      imageMatch: { match: own, options },
      rowLayers: this.layersOf(state, model, match),
      timings: timing?.lines ?? null,
    };
  }

  /** Before a build: remembers what the current image measured per line, for the deltas after it. */
  async recordPrevious(uri: string): Promise<void> {
    const view = await this.view(uri);
    const file = fsPathOf(uri);
    if (!view?.match || !view.state.image || !file) return;
    const lines = new Map<number, number>();
    view.model.instructions.forEach((inst, k) => {
      const m = view.match!.instructions[k]!;
      // Lines edited since the build count with their old size: that is what the next build will be compared with.
      if (m.layerBytes !== null) lines.set(inst.range.start.line + 1, m.layerBytes);
    });
    const image = view.state.image;
    await this.previousBuilds.record(file, {
      imageId: image.info.id,
      ref: image.ref,
      sizeBytes: image.info.sizeBytes,
      lines,
    });
  }

  /** Sizes per line of the build before the current image, when there was one. */
  async previous(uri: string, currentImageId: string): Promise<ReadonlyMap<number, number> | undefined> {
    const file = fsPathOf(uri);
    const p = file ? await this.previousBuilds.get(file) : undefined;
    return p && p.imageId !== currentImageId ? p.lines : undefined;
  }

  status(uri: string): Status {
    const s = this.images.current(uri);
    const doc = this.documents.get(uri);
    const conn = s?.conn;
    return {
      uri,
      engine: {
        url: conn?.status.url ?? null,
        source: conn?.status.source ?? 'not resolved',
        reachable: conn?.status.reachable ?? null,
        product: conn?.status.version?.product ?? null,
        version: conn?.status.version?.version ?? null,
      },
      image: s?.image
        ? {
            ref: s.image.ref,
            id: s.image.info.id,
            sizeBytes: s.image.info.sizeBytes,
            builder: this.matches.get(uri)?.match.builder ?? 'unknown',
          }
        : null,
      cached: s?.cached ?? false,
      message: (doc && this.tooLarge(doc)) ?? s?.message ?? 'looking for the image…',
    };
  }

  closed(uri: string): void {
    this.models.delete(uri);
    this.matches.delete(uri);
    this.images.forget(uri);
    this.findings.forget(uri);
    this.evict();
    this.settings.forget(uri);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.changeListeners.clear();
    this.analysisListeners.clear();
    this.settingsListeners.clear();
  }

  /** `own`: the match against the image alone; `match`: with the stages it does not hold filled in. */
  private match(
    doc: TextDocument,
    model: DockerfileModel,
    state: ImageState,
    options: MatchOptions,
  ): { own: MatchResult; match: MatchResult } {
    const stages = state.stages ?? [];
    const key = `${doc.version} ${state.image!.info.id} ${JSON.stringify(options)} ${stages.map((s) => s.info.id).join(' ')}`;
    const hit = this.matches.get(doc.uri);
    if (hit?.key === key) return hit;
    // Stages the image does not hold get their numbers from the images built for them, when there are some.
    const own = matchHistory(model, state.image!.info, options);
    const entry = {
      key,
      own,
      match: overlayStages(
        own,
        stages.map((s) => matchHistory(model, s.info, s.matchOptions)),
      ),
    };
    this.matches.set(doc.uri, entry);
    return entry;
  }

  private layersOf(state: ImageState, model: DockerfileModel, match: MatchResult): RowLayers {
    const image = state.image!.info;
    // Once analysed, the image's history carries each row's empty_layer: the pairing is then exact.
    const analysed = this.analyses.result(image.id)?.info;
    const key = `${image.id} ${analysed ? 'config' : 'history'} ${modelShells(model).join('\0')}`;
    let r = this.rowLayers.get(key);
    if (!r) {
      r = layersForImage(analysed ?? image, model, match.builder);
      this.rowLayers.set(key, r);
    }
    return r;
  }

  /** Forgets what only images no open document uses needed (analyses in memory, row pairings). */
  private evict(): void {
    const inUse = this.images.inUse();
    this.analyses.retain(inUse);
    for (const key of this.rowLayers.keys()) if (!inUse.has(key.split(' ')[0]!)) this.rowLayers.delete(key);
  }
}
