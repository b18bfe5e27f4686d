// `dfsize/compare`: "Compare with Previous Build" and "Compare Images…". The document's image is NEW; OLD is the
// previous build the session recorded or an image the user picked. The comparison and its text are core's; this
// finds the two images, their analyses, and says in one line when it cannot.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalyzedImage } from '../analysis/analyze';
import { compareBuilds } from '../core/buildCompare';
import { renderComparison } from '../core/compareText';
import type { DockerfileModel } from '../core/dockerfile';
import { ArchiveFormatError } from '../engine/archiveError';
import { EngineError, referenceProblem, type ImageSource } from '../engine/source';
import { compareInput, previousImage } from '../images/compareImages';
import { imageFromEngine, type ResolvedImage } from '../images/resolve';
import { CompareRequest, type CompareResult } from '../protocol';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { Params } from './params';

/** OLD as an image on the engine, or why it cannot be compared. */
async function oldImage(
  session: Session,
  source: ImageSource,
  model: DockerfileModel,
  uri: string,
  old: string,
): Promise<ResolvedImage | { none: string }> {
  if (old !== 'previous') {
    const problem = referenceProblem(old);
    if (problem) return { none: problem };
    return imageFromEngine(source, old, model, 'chosen to compare');
  }
  const file = fsPathOf(uri);
  if (!file) return { none: 'only a Dockerfile saved on disk has a previous build' };
  return previousImage(session.previousBuilds, source, model, file);
}

/** The image's analysis, or null (logged) when the engine or the export failed: the paths are then not compared. */
async function analysed(session: Session, source: ImageSource, image: ResolvedImage): Promise<AnalyzedImage | null> {
  try {
    // The document's own image is usually analysed already (in the background, with its contents).
    const done = session.analyses.result(image.info.id);
    return done?.contents ? done : await session.analyses.analyseOnce(source, image.info.id);
  } catch (e) {
    if (!(e instanceof EngineError || e instanceof ArchiveFormatError)) throw e;
    session.connection.console.warn(`dfsize: compare: the analysis of ${image.ref} failed: ${e.message}`);
    return null;
  }
}

async function compare(session: Session, doc: TextDocument, old: string): Promise<CompareResult> {
  const state = session.images.current(doc.uri);
  const next = state?.image;
  const source = state?.conn?.source;
  if (!next || !source) return { text: null, message: state?.message ?? 'this Dockerfile has no image yet' };
  const model = session.model(doc);
  const before = await oldImage(session, source, model, doc.uri, old);
  if ('none' in before) return { text: null, message: before.none };
  const newInput = compareInput(model, next, await analysed(session, source, next));
  const oldInput = compareInput(model, before, await analysed(session, source, before));
  const comparison = compareBuilds(model, oldInput, newInput);
  const text = renderComparison(comparison, {
    lineText: (line) => doc.getText({ start: { line: line - 1, character: 0 }, end: { line, character: 0 } }),
    pathsCompared: oldInput.paths !== null && newInput.paths !== null,
  });
  return { text, message: `${before.ref} → ${next.ref}` };
}

export function registerCompare(session: Session): void {
  session.connection.onRequest(CompareRequest.type, async (raw) => {
    const p = new Params(CompareRequest.method, raw);
    const [uri, old] = [p.string('uri'), p.string('old')];
    const doc = session.documents.get(uri);
    if (!doc) return { text: null, message: 'open the Dockerfile first' };
    try {
      return await compare(session, doc, old);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      return { text: null, message: e.message };
    }
  });
}
