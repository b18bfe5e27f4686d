// Everything the server knows, for the lifetime of one connection (no module state): open documents and their
// models, settings, engine connections, each document's image; and the one question every feature asks —
// "what does this document look like against its image right now?" (`view`).
import { Emitter, type Connection, type Event, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDockerfile, type DockerfileModel } from '../core/dockerfile';
import { layersForImage, modelShells, type RowLayers } from '../core/layers';
import { matchHistory, overlayStages, type MatchOptions, type MatchResult } from '../core/match';
import type { Disposable } from '../engine/source';
import type { Status } from '../protocol';
import { sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import { registrySizing } from '../images/baseSizes';
import { Analyses } from './analyses';
import { Findings, type FindingsDeps } from './findings';
import { PreviousBuilds } from './previousBuilds';
import { DocumentImages, fsPathOf, type ImageState } from './documentImages';
import { Engines, type EngineFactory } from './engines';
import { SettingsStore } from './settings';
import type { DocumentView } from './documentView';

export type { DocumentView } from './documentView';

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

/** What a document's match was made from: text version, image id, match options, the ids of the stages' images. */
type MatchKey = readonly [version: number, imageId: string, options: MatchOptions, stageImages: readonly string[]];

export class Session implements Disposable {
  readonly settings: SettingsStore;
  readonly engines: Engines;
  readonly images: DocumentImages;
  readonly analyses: Analyses;
  readonly previousBuilds: PreviousBuilds;
  readonly findings: Findings;
  private readonly models = new Map<string, { version: number; model: DockerfileModel }>();
  private readonly matches = new Map<string, { key: MatchKey; own: MatchResult; match: MatchResult }>();
  /** Row pairings by image id, then by what they were paired from (the history or the analysed config, the shells). */
  private readonly rowLayers = new Map<string, Map<string, RowLayers>>();
  private readonly documentChanges = new Emitter<string>();
  private readonly analysisChanges = new Emitter<string>();
  private readonly settingsChanges = new Emitter<void>();
  /** A document's image state changed (the hints and the status should follow). */
  readonly onDocumentChange: Event<string> = this.documentChanges.event;
  /** The analysis of a document's image started, progressed, ended or failed. */
  readonly onAnalysisChange: Event<string> = this.analysisChanges.event;
  /** The client's settings changed (every document's settings are read again). */
  readonly onSettingsChange: Event<void> = this.settingsChanges.event;
  private readonly disposables: Disposable[] = [];
  /** The analyses' cache, read for uncompressed base image sizes. */
  private readonly baseCache: AnalysisCache;

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
          this.documentChanges.fire(uri);
        },
        warn: (m) => connection.console.warn(m),
      },
      new Map(Object.entries(options.selections)),
    );
    const cacheDir = options.storageDir ?? defaultCacheDir(options.env);
    this.analyses = new Analyses(connection, cacheDir, options.canReportProgress);
    this.baseCache = new AnalysisCache(cacheDir);
    // In the CLI's cache folder, not the editor's storage: `dfsize compare previous` reads it there.
    this.previousBuilds = PreviousBuilds.inCliCache(options.env, (m) => connection.console.warn(m));
    this.findings = new Findings(this.findingsDeps());
    this.disposables.push(
      this.engines,
      this.analyses,
      this.engines.onChange((conn, change) => {
        if (change === 'images' || conn.status.reachable) void this.images.refreshAll(conn);
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
          if (this.images.current(d.uri)?.image?.info.id === imageId) this.analysisChanges.fire(d.uri);
      }),
    );
  }

  /** What the findings read of the session: narrow, so that findings.ts does not import it. */
  private findingsDeps(): FindingsDeps {
    const log = this.connection.console;
    return {
      documentOf: (uri) => this.documents.get(uri),
      imageOf: (uri) => this.images.current(uri),
      analysisOf: (imageId) => this.analyses.result(imageId),
      view: (uri) => this.view(uri),
      settingsOf: (uri) => this.settings.get(uri),
      // Nothing is fetched for an untrusted workspace: base sizes come from the engine or the table there.
      registrySizing: (mirror) =>
        this.options.trusted
          ? registrySizing(mirror || (this.options.env.DFSIZE_REGISTRY_MIRROR ?? ''), this.options.env, this.baseCache)
          : null,
      error: (m) => {
        log.error(m);
      },
      warn: (m) => {
        log.warn(m);
      },
    };
  }

  /** `pushed`: what the client sent with the change, for editors that cannot be asked for configuration. */
  settingsChanged(pushed?: unknown): void {
    this.settings.clear(pushed);
    // Once every document has its (perhaps new) engine, the connections nobody uses are closed.
    void this.images.refreshAll().then(() => this.engines.retain(this.images.connectionsInUse()));
    this.settingsChanges.fire();
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
    this.documentChanges.dispose();
    this.analysisChanges.dispose();
    this.settingsChanges.dispose();
  }

  /** `own`: the match against the image alone; `match`: with the stages it does not hold filled in. */
  private match(
    doc: TextDocument,
    model: DockerfileModel,
    state: ImageState,
    options: MatchOptions,
  ): { own: MatchResult; match: MatchResult } {
    const stages = state.stages ?? [];
    const key: MatchKey = [doc.version, state.image!.info.id, options, stages.map((s) => s.info.id)];
    const hit = this.matches.get(doc.uri);
    if (hit && isDeepStrictEqual(hit.key, key)) return hit;
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
    const key = `${analysed ? 'config' : 'history'}\0${modelShells(model).join('\0')}`;
    const byKey = this.rowLayers.get(image.id) ?? new Map<string, RowLayers>();
    this.rowLayers.set(image.id, byKey);
    let r = byKey.get(key);
    if (!r) {
      r = layersForImage(analysed ?? image, model, match.builder);
      byKey.set(key, r);
    }
    return r;
  }

  /** Forgets what only images no open document uses needed (analyses in memory, row pairings). */
  private evict(): void {
    const inUse = this.images.inUse();
    this.analyses.retain(inUse);
    for (const imageId of this.rowLayers.keys()) if (!inUse.has(imageId)) this.rowLayers.delete(imageId);
  }
}
