// The size findings of each open document: computed for its current text against its image and what the analysis
// measured, kept until the text, the image, the analysis or the settings change. What reads disk or the engine is
// kept apart and longer: the build context listing until the Dockerfile or its .dockerignore is saved, base image
// sizes per set of base references (for good when the engine answered; a registry's for ten minutes).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalyzedImage } from '../analysis/analyze';
import { computeFindings, fixAll, type Finding, type RuleContext, type RuleFailure } from '../core/rules/index';
import type { DockerfileModel } from '../core/dockerfile';
import { readBuildContext, type BuildContextListing } from '../context/buildContext';
import { TABLE_DATE } from '../core/rules/baseImages';
import { baseImageSizes, type BaseSizes, type RegistrySizing, type SizeSources } from '../images/baseSizes';
import { contextFactory, inputsOf } from '../findings/ruleInputs';
import type { Settings } from '../protocol';
import { fsPathOf, type ImageState } from './documentImages';
import type { DocumentView } from './documentView';

/** What the findings need of the session (which makes them): the document, its image, its view and its settings. */
export interface FindingsDeps {
  /** The document while it is open. */
  readonly documentOf: (uri: string) => TextDocument | undefined;
  /** The document's image as last resolved. */
  readonly imageOf: (uri: string) => ImageState | undefined;
  /** An image's analysis, once done. */
  readonly analysisOf: (imageId: string) => AnalyzedImage | null;
  /** The document against its image now (Session.view). */
  readonly view: (uri: string) => Promise<DocumentView | null>;
  readonly settingsOf: (uri: string) => Promise<Settings>;
  /** How base image sizes are asked of registries with this mirror setting; null: not at all (untrusted, `off`). */
  readonly registrySizing: (mirrorSetting: string) => RegistrySizing | null;
  /** The output channel: bugs with their stack, and what failed on the side. */
  readonly error: (message: string) => void;
  readonly warn: (message: string) => void;
}

/** How long a registry's base image sizes (or its failure to give them) are used before it is asked again. */
const REGISTRY_SIZES_MS = 10 * 60 * 1000;

/** What a document's findings were computed from: text version, image id, analysed, cached, settings generation. */
type ResultKey = readonly [version: number, imageId: string, analysed: boolean, cached: boolean, generation: number];

export interface DocumentFindings {
  readonly version: number;
  readonly findings: readonly Finding[];
  /** The same context for any text of this document (fix-all re-parses between fixes). */
  readonly makeContext: (model: DockerfileModel) => RuleContext;
  readonly disabled: ReadonlySet<string>;
  /** The .dockerignore as the rules read it (null: absent), to check it is unchanged before a fix writes it. */
  readonly dockerignore: string | null;
}

export interface FixAllResult {
  readonly version: number;
  readonly text: string;
  readonly applied: ReadonlyArray<{ code: string; line: number }>;
  readonly files: ReadonlyArray<{ path: string; content: string }>;
  /** The .dockerignore the file edits start from (null: it is created). */
  readonly dockerignoreBefore: string | null;
}

export class Findings {
  private readonly listings = new Map<string, Promise<BuildContextListing | null>>();
  /** Base sizes per bases and mirror: from an engine kept, from registries (or none) for REGISTRY_SIZES_MS. */
  private readonly bases = new Map<string, { at: number; value: Promise<BaseSizes> }>();
  private readonly results = new Map<string, { key: ResultKey; value: Promise<DocumentFindings | null> }>();
  private readonly fixes = new Map<string, { version: number; value: Promise<FixAllResult | null> }>();
  /** The codes of the rules whose failure was logged, per document: once per document and rule, not per keystroke. */
  private readonly loggedFailures = new Map<string, Set<string>>();
  private generation = 0;

  constructor(private readonly deps: FindingsDeps) {}

  /** The Dockerfile or something in its build context (.dockerignore) changed on disk. */
  invalidateContext(dir: string): void {
    this.listings.delete(dir);
    this.generation++;
  }

  /** Settings changed (rules switched off, minBytes): every result is recomputed. */
  invalidateAll(): void {
    this.generation++;
  }

  forget(uri: string): void {
    this.results.delete(uri);
    this.fixes.delete(uri);
    this.loggedFailures.delete(uri);
  }

  /** A rule threw on this document: logged with its stack (the output channel), once per document and rule. */
  private logFailures(uri: string, failures: readonly RuleFailure[]): void {
    if (!failures.length) return;
    const logged = this.loggedFailures.get(uri) ?? new Set<string>();
    this.loggedFailures.set(uri, logged);
    for (const f of failures) {
      if (logged.has(f.code)) continue;
      logged.add(f.code);
      const why = f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error);
      this.deps.error(`rule ${f.code} failed on ${uri} (its findings are missing): ${why}`);
    }
  }

  private failed(what: string, uri: string): (e: unknown) => null {
    return (e) => {
      this.deps.error(`${what} failed on ${uri}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return null;
    };
  }

  get(uri: string): Promise<DocumentFindings | null> {
    const doc = this.deps.documentOf(uri);
    if (!doc) return Promise.resolve(null);
    const state = this.deps.imageOf(uri);
    const imageId = state?.image?.info.id ?? '';
    const analysed = imageId !== '' && this.deps.analysisOf(imageId) !== null;
    const key: ResultKey = [doc.version, imageId, analysed, state?.cached ?? false, this.generation];
    const hit = this.results.get(uri);
    if (hit && isDeepStrictEqual(hit.key, key)) return hit.value;
    const value = this.compute(uri).catch(this.failed('size findings', uri));
    this.results.set(uri, { key, value });
    return value;
  }

  /** Fix-all for the current text, once per version; null when the text moved on meanwhile. */
  fixAll(uri: string): Promise<FixAllResult | null> {
    const doc = this.deps.documentOf(uri);
    if (!doc) return Promise.resolve(null);
    const hit = this.fixes.get(uri);
    if (hit?.version === doc.version) return hit.value;
    const value = (async (): Promise<FixAllResult | null> => {
      let r = await this.get(uri);
      const file = fsPathOf(uri);
      if (r && file) {
        // The rules' .dockerignore must still be the one on disk, or the fix would overwrite the user's edits.
        const now = await readFile(join(dirname(file), '.dockerignore'), 'utf8').catch((err: unknown) => {
          const e = err as NodeJS.ErrnoException;
          // Absent is a state the rules know (null); any other failure is logged and treated as changed.
          if (e.code !== 'ENOENT') this.deps.warn(`.dockerignore of ${file} unreadable: ${e.message}`);
          return null;
        });
        if (now !== r.dockerignore) {
          this.invalidateContext(dirname(file));
          r = await this.get(uri);
        }
      }
      const current = this.deps.documentOf(uri);
      if (!r || !current || current.version !== r.version) return null;
      const all = fixAll(current.getText(), r.makeContext, { disabled: r.disabled });
      this.logFailures(uri, all.failures);
      return {
        version: r.version,
        text: all.text,
        applied: all.applied,
        files: all.files,
        dockerignoreBefore: r.dockerignore,
      };
    })().catch(this.failed('fix all', uri));
    this.fixes.set(uri, { version: doc.version, value });
    return value;
  }

  private listing(dir: string): Promise<BuildContextListing | null> {
    let l = this.listings.get(dir);
    if (!l) {
      l = readBuildContext(dir);
      this.listings.set(dir, l);
    }
    return l;
  }

  private baseSizes(model: DockerfileModel, source: SizeSources['source'], mirror: string): Promise<BaseSizes> {
    // The stages' base references in order, as one key (a Map compares arrays by identity).
    const key = JSON.stringify([
      source !== null,
      mirror,
      model.stages.map((s) => (s.base.kind === 'image' ? s.base.ref : null)),
    ]);
    const hit = this.bases.get(key);
    // What an answering engine said is kept; a registry's answer (or its silence) is asked again after a while, not
    // on every keystroke.
    if (hit && (source || Date.now() - hit.at < REGISTRY_SIZES_MS)) return hit.value;
    const value = baseImageSizes(model, { source, registry: this.deps.registrySizing(mirror) });
    this.bases.set(key, { at: Date.now(), value });
    value.then(
      (b) => {
        if (b.problem) this.deps.warn(`base image sizes: ${b.problem}; the table of ${TABLE_DATE} is used`);
      },
      () => this.bases.delete(key),
    );
    return value;
  }

  private async compute(uri: string): Promise<DocumentFindings | null> {
    const view = await this.deps.view(uri);
    if (!view) return null;
    const settings = await this.deps.settingsOf(uri);
    const image = view.state.image;
    const source = image?.source === 'engine' && view.state.conn && !view.state.cached ? view.state.conn.source : null;
    const file = fsPathOf(uri);
    const [listing, bases] = await Promise.all([
      file ? this.listing(dirname(file)) : Promise.resolve(null),
      this.baseSizes(view.model, source, settings.registry.mirror),
    ]);
    const own = view.imageMatch;
    const analysed = image ? this.deps.analysisOf(image.info.id) : null;
    // The current text's match and row pairing are the session's (made once per version); other texts (fix-all's
    // passes) are matched with the same options.
    const makeContext = contextFactory(
      inputsOf(listing, bases),
      image && own ? { info: image.info, matchOptions: own.options } : null,
      analysed ? { analysis: analysed.analysis, contents: analysed.contents, info: analysed.info } : null,
      settings.rules.minBytes,
      own && view.rowLayers ? { model: view.model, match: own.match, layerOf: view.rowLayers.layerOf } : undefined,
    );
    const disabled = new Set(settings.rules.disabled);
    const run = computeFindings(makeContext(view.model), { disabled });
    this.logFailures(uri, run.failures);
    return {
      version: view.doc.version,
      findings: run.findings,
      makeContext,
      disabled,
      dockerignore: listing?.dockerignore ?? null,
    };
  }
}
