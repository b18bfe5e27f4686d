// Which image a Dockerfile's numbers come from, and what is known about its base: the image a user names, an
// archive, or the one discovery finds (labels first, then history matching).
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { stageChain, type DockerfileModel } from '../core/dockerfile';
import type { HistoryRow, ImageInfo } from '../core/history';
import { matchHistory, type MatchOptions } from '../core/match';
import { ArchiveFormatError, imageInfoOf, readArchiveFile } from '../engine/archive';
import { EngineError, isImageReference, loadImage, type ImageSource, type ImageSummary } from '../engine/source';
import { composeImagesFor, hasRef } from './compose';

export const LABEL_DOCKERFILE = 'dev.dfsize.dockerfile';
export const LABEL_STAGE = 'dev.dfsize.stage';
/** `stage` on the extra images Build Image makes for the other stages (so every stage gets sizes). */
export const LABEL_ROLE = 'dev.dfsize.role';
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
  /** The folder compose files are looked for up to (the workspace folder; default the Dockerfile's folder). */
  readonly composeRoot?: string;
  /** Scores kept between discoveries (the server keeps one per session). */
  readonly scores?: ScoreCache;
}

/** Labels first (newest), then the best history match ≥ MATCH_THRESHOLD among the newest `maxImages` images. */
/**
 * Newest first. The list's `Created` has whole seconds: of two builds in the same second the tagged one is the newer
 * (a rebuild moves the tag and leaves the old image dangling).
 */
export function newestFirst(images: readonly ImageSummary[]): ImageSummary[] {
  return [...images].sort((a, b) => b.created - a.created || Number(b.refs.length > 0) - Number(a.refs.length > 0));
}

/** The images tied to this file by name: labelled by our build, or named by a compose service that builds it. */
export function linkedImages(images: readonly ImageSummary[], dockerfilePath: string | null, composeRoot?: string): Array<{ image: ImageSummary; ref: string; reason: string }> {
  if (!dockerfilePath) return [];
  const abs = isAbsolute(dockerfilePath) ? dockerfilePath : resolvePath(dockerfilePath);
  const newest = newestFirst(images);
  const out = newest.filter((i) => i.labels[LABEL_DOCKERFILE] === abs && i.labels[LABEL_ROLE] !== 'stage')
    .map((image) => ({ image, ref: image.refs[0] ?? image.id, reason: `labelled ${LABEL_DOCKERFILE}=${abs}` }));
  for (const ref of composeImagesFor(abs, composeRoot ?? dirname(abs))) {
    const image = newest.find((i) => hasRef(i.refs, ref));
    if (image) out.push({ image, ref, reason: `compose service image ${ref}` });
  }
  return out;
}

/**
 * Match scores by image id, per model. A model is one parse of one text and an image id one immutable history, so a
 * score never goes stale: re-discovery after an engine event only scores the images it has not seen.
 */
export class ScoreCache {
  private readonly byModel = new WeakMap<DockerfileModel, Map<string, number>>();

  async score(source: ImageSource, model: DockerfileModel, id: string): Promise<number> {
    let byId = this.byModel.get(model);
    if (!byId) this.byModel.set(model, (byId = new Map()));
    let score = byId.get(id);
    if (score === undefined) {
      score = matchHistory(model, { history: await source.history(id), layers: [] }).score;
      byId.set(id, score);
    }
    return score;
  }
}

/** How well each image's history matches the Dockerfile's final stage, newest images first (at most maxImages). */
export async function scoreImages(source: ImageSource, model: DockerfileModel, images: readonly ImageSummary[], maxImages: number, scores = new ScoreCache()): Promise<Array<{ image: ImageSummary; score: number }>> {
  const newest = newestFirst(images).slice(0, maxImages);
  const out: Array<{ image: ImageSummary; score: number }> = [];
  for (const image of newest) out.push({ image, score: await scores.score(source, model, image.id) });
  return out;
}

/** `dockerfilePath` null (an unsaved document): only history matching can tell. */
export async function discoverImage(source: ImageSource, model: DockerfileModel, dockerfilePath: string | null, opts: DiscoveryOptions): Promise<ResolvedImage | { none: string }> {
  const images = newestFirst(await source.list());
  const linked = linkedImages(images, dockerfilePath, opts.composeRoot)[0];
  if (linked) return imageFromEngine(source, linked.image.id, model, linked.reason).then((r) => ({ ...r, ref: linked.ref }));
  if (!model.stages.length) return { none: 'the Dockerfile has no FROM instruction' };
  let best: { id: string; ref: string; score: number } | null = null;
  const scores = opts.scores ?? new ScoreCache();
  for (const img of images.slice(0, opts.maxImages)) {
    const score = await scores.score(source, model, img.id);
    if (score >= MATCH_THRESHOLD && (!best || score > best.score)) best = { id: img.id, ref: img.refs[0] ?? img.id, score };
    if (best?.score === 1) break;
  }
  if (!best) return { none: `none of the ${Math.min(images.length, opts.maxImages)} newest local images was built from this Dockerfile: build it, or name the image to use` };
  const found = await imageFromEngine(source, best.id, model, `history matches ${Math.round(best.score * 100)}%`);
  return { ...found, ref: best.ref };
}

/** The newest image built for each other stage of this file (Build Image with every stage), for their sizes. */
export async function stageImages(source: ImageSource, model: DockerfileModel, dockerfilePath: string | null, except: ReadonlySet<number>): Promise<ResolvedImage[]> {
  if (!dockerfilePath) return [];
  const abs = isAbsolute(dockerfilePath) ? dockerfilePath : resolvePath(dockerfilePath);
  const seen = new Set<number>();
  const out: ResolvedImage[] = [];
  for (const image of newestFirst(await source.list())) {
    if (image.labels[LABEL_DOCKERFILE] !== abs || image.labels[LABEL_ROLE] !== 'stage') continue;
    const stage = model.stages.findIndex((s) => s.name?.toLowerCase() === image.labels[LABEL_STAGE]?.toLowerCase());
    if (stage < 0 || seen.has(stage) || except.has(stage)) continue;
    seen.add(stage);
    out.push({ ...(await imageFromEngine(source, image.id, model, `built as stage ${image.labels[LABEL_STAGE]}`)), ref: image.refs[0] ?? image.id });
  }
  return out;
}
