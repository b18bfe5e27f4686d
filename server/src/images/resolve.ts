// Which image a Dockerfile's numbers come from, and what is known about its base: the image a user names, an
// archive, or the one discovery finds (labels first, then history matching).
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { stageChain, type DockerfileModel } from '../core/dockerfile';
import type { HistoryRow, ImageInfo } from '../core/history';
import { matchHistory, type MatchOptions } from '../core/match';
import { ArchiveFormatError, imageInfoOf, readArchiveFile } from '../engine/archive';
import { EngineError, isImageReference, loadImage, type ImageSource } from '../engine/source';

export const LABEL_DOCKERFILE = 'dev.dfsize.dockerfile';
export const LABEL_STAGE = 'dev.dfsize.stage';
export const MATCH_THRESHOLD = 0.6;

export interface ResolvedImage {
  readonly info: ImageInfo;
  readonly ref: string;
  readonly source: 'engine' | 'archive';
  readonly matchOptions: MatchOptions;
  /** Why this image: shown in the status bar and on stderr. */
  readonly reason: string;
}

/** The stage an image was built for: its dev.dfsize.stage label (name or index), else the last. */
export function targetStage(model: DockerfileModel, info: ImageInfo): number {
  const label = info.labels[LABEL_STAGE];
  if (label !== undefined) {
    const byName = model.stages.findIndex((s) => s.name?.toLowerCase() === label.toLowerCase());
    if (byName >= 0) return byName;
    if (/^\d+$/.test(label) && Number(label) < model.stages.length) return Number(label);
  }
  return model.stages.length - 1;
}

function sameRow(a: HistoryRow, b: HistoryRow): boolean {
  return a.createdBy === b.createdBy && a.created === b.created;
}

/** What the engine knows about the chain's base image: its row count when it is the one the image was built on. */
export async function baseOptions(source: ImageSource, model: DockerfileModel, info: ImageInfo, stage: number): Promise<MatchOptions> {
  const root = model.stages[stageChain(model, stage)[0] ?? -1];
  if (!root || root.base.kind !== 'image' || !isImageReference(root.base.ref)) return { stage };
  let base: ImageInfo;
  try {
    base = await loadImage(source, root.base.ref);
  } catch (e) {
    if (e instanceof EngineError && (e.kind === 'not-found' || e.kind === 'bad-reference')) return { stage };
    throw e;
  }
  const layersPrefix = base.layers.every((l, i) => info.layers[i] === l);
  if (!layersPrefix) return { stage, baseChanged: true };
  const rowsPrefix = base.history.length <= info.history.length && base.history.every((r, i) => sameRow(r, info.history[i]!));
  return rowsPrefix ? { stage, baseRows: base.history.length, baseLayers: base.layers.length } : { stage };
}

export async function imageFromEngine(source: ImageSource, ref: string, model: DockerfileModel, reason: string): Promise<ResolvedImage> {
  const info = await loadImage(source, ref);
  const stage = targetStage(model, info);
  return { info, ref, source: 'engine', matchOptions: await baseOptions(source, model, info, stage), reason };
}

export async function imageFromArchive(path: string, model: DockerfileModel): Promise<ResolvedImage> {
  const archive = await readArchiveFile(path).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ArchiveFormatError(`${path}: no such file: name an archive written by docker save`);
    if (code === 'EISDIR') throw new ArchiveFormatError(`${path} is a folder: name an archive written by docker save`);
    throw new ArchiveFormatError(`${path}: ${(e as Error).message}`);
  });
  const info = imageInfoOf(archive);
  const stage = targetStage(model, info);
  return { info, ref: archive.refs[0] ?? path, source: 'archive', matchOptions: { stage }, reason: `archive ${path}` };
}

export interface DiscoveryOptions {
  readonly maxImages: number;
}

/** Labels first (newest), then the best history match ≥ MATCH_THRESHOLD among the newest `maxImages` images. */
export async function discoverImage(source: ImageSource, model: DockerfileModel, dockerfilePath: string, opts: DiscoveryOptions): Promise<ResolvedImage | { none: string }> {
  const abs = isAbsolute(dockerfilePath) ? dockerfilePath : resolvePath(dockerfilePath);
  const images = (await source.list()).sort((a, b) => b.created - a.created);
  const labelled = images.find((i) => i.labels[LABEL_DOCKERFILE] === abs);
  if (labelled) return imageFromEngine(source, labelled.id, model, `labelled ${LABEL_DOCKERFILE}=${abs}`).then((r) => ({ ...r, ref: labelled.refs[0] ?? labelled.id }));
  if (!model.stages.length) return { none: 'the Dockerfile has no FROM instruction' };
  let best: { id: string; ref: string; score: number } | null = null;
  for (const img of images.slice(0, opts.maxImages)) {
    const history = await source.history(img.id);
    const { score } = matchHistory(model, { history, layers: [] });
    if (score >= MATCH_THRESHOLD && (!best || score > best.score)) best = { id: img.id, ref: img.refs[0] ?? img.id, score };
    if (best?.score === 1) break;
  }
  if (!best) return { none: `none of the ${Math.min(images.length, opts.maxImages)} newest local images was built from this Dockerfile (build it, or name one with --image)` };
  const found = await imageFromEngine(source, best.id, model, `history matches ${Math.round(best.score * 100)}%`);
  return { ...found, ref: best.ref };
}
