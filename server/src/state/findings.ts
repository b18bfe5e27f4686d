// The size findings of each open document: computed for its current text against its image and what the analysis
// measured, kept until the text, the image or the analysis changes. The inputs that read disk or the engine (build
// context, base sizes) are gathered once per document and refreshed when the file is saved.
import { computeFindings, type Finding, type RuleContext } from '../core/rules/index';
import type { DockerfileModel } from '../core/dockerfile';
import { contextFactory, gatherInputs, type GatheredInputs } from '../findings/ruleInputs';
import { fsPathOf } from './documentImages';
import type { Session } from './session';

export interface DocumentFindings {
  readonly version: number;
  readonly findings: readonly Finding[];
  /** The same context for any text of this document (fix-all re-parses between fixes). */
  readonly makeContext: (model: DockerfileModel) => RuleContext;
  readonly disabled: ReadonlySet<string>;
}

export class Findings {
  private readonly inputs = new Map<string, { key: string; value: Promise<GatheredInputs> }>();
  private readonly results = new Map<string, { key: string; value: Promise<DocumentFindings | null> }>();

  constructor(private readonly session: Session) {}

  /** The file changed on disk (saved): its build context and base sizes are read again. */
  invalidateInputs(uri: string): void {
    this.inputs.delete(uri);
    this.results.delete(uri);
  }

  forget(uri: string): void {
    this.invalidateInputs(uri);
  }

  get(uri: string): Promise<DocumentFindings | null> {
    const doc = this.session.documents.get(uri);
    if (!doc) return Promise.resolve(null);
    const state = this.session.images.current(uri);
    const imageId = state?.image?.info.id ?? '';
    const analysed = imageId && this.session.analyses.result(imageId) ? 'measured' : '';
    const key = `${doc.version} ${imageId} ${analysed} ${state?.cached ?? ''}`;
    const hit = this.results.get(uri);
    if (hit?.key === key) return hit.value;
    const value = this.compute(uri).catch(() => null);
    this.results.set(uri, { key, value });
    return value;
  }

  private async compute(uri: string): Promise<DocumentFindings | null> {
    const view = await this.session.view(uri);
    if (!view) return null;
    const settings = await this.session.settings.get(uri);
    const image = view.state.image;
    const source = image?.source === 'engine' && view.state.conn && !view.state.cached ? view.state.conn.source : null;
    const baseKey = view.model.stages.map((s) => (s.base.kind === 'image' ? s.base.ref : '')).join(' ');
    let gathered = this.inputs.get(uri);
    if (!gathered || gathered.key !== baseKey) {
      gathered = { key: baseKey, value: gatherInputs(fsPathOf(uri), view.model, source, this.session.options.env) };
      this.inputs.set(uri, gathered);
    }
    const inputs = await gathered.value;
    const options = image ? await this.session.images.matchOptions(view.state, view.model) : null;
    const analysed = image ? this.session.analyses.result(image.info.id) : null;
    const makeContext = contextFactory(inputs, image && options ? { info: image.info, matchOptions: options } : null,
      analysed ? { analysis: analysed.analysis, contents: analysed.contents } : null, settings.rules.minBytes);
    const disabled = new Set(settings.rules.disabled);
    return { version: view.doc.version, findings: computeFindings(makeContext(view.model), { disabled }), makeContext, disabled };
  }
}
