// Which image a Dockerfile's numbers come from, and what is known about its base: the image a user names, an
// archive, or the one discovery finds (labels first, then history matching).
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { stageChain, type DockerfileModel } from '../core/dockerfile';
import type { HistoryRow, ImageInfo } from '../core/history';
import { matchHistory, type MatchOptions } from '../core/match';
import { ArchiveFormatError, imageInfoOf, readArchiveFile } from '../engine/archive';
import type { RecentImage } from '../engine/events';
import { EngineError, isImageReference, loadImage, type ImageSource, type ImageSummary } from '../engine/source';
import { plural } from '../core/format';
import { composeImagesFor, hasRef } from './compose';

export const LABEL_DOCKERFILE = 'dev.dfsize.dockerfile';
export const LABEL_STAGE = 'dev.dfsize.stage';
/** `stage` on the extra images Build Image makes for the other stages (so every stage gets sizes). */
export const LABEL_ROLE = 'dev.dfsize.role';
export const MATCH_THRESHOLD = 0.6;

export interface ResolvedImage {
  readonly info: ImageInfo;
  readonly ref: string;
  readonly source: 'engine' | 'archive' | 'registry';
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
export async function baseOptions(
  source: ImageSource,
  model: DockerfileModel,
  info: ImageInfo,
  stage: number,
): Promise<MatchOptions> {
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
  const rowsPrefix =
    base.history.length <= info.history.length && base.history.every((r, i) => sameRow(r, info.history[i]!));
  return rowsPrefix ? { stage, baseRows: base.history.length, baseLayers: base.layers.length } : { stage };
}

export async function imageFromEngine(
  source: ImageSource,
  ref: string,
  model: DockerfileModel,
  reason: string,
): Promise<ResolvedImage> {
  const info = await loadImage(source, ref);
  const stage = targetStage(model, info);
  return { info, ref, source: 'engine', matchOptions: await baseOptions(source, model, info, stage), reason };
}

export async function imageFromArchive(path: string, model: DockerfileModel): Promise<ResolvedImage> {
  const archive = await readArchiveFile(path).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ArchiveFormatError(`${path}: no such file: name an archive written by docker save`);
    if (code === 'EISDIR') throw new ArchiveFormatError(`${path} is a folder: name an archive written by docker save`);
    throw new ArchiveFormatError(`${path}: ${(e as Error).message}`);
  });
  const info = imageInfoOf(archive);
  const stage = targetStage(model, info);
  return { info, ref: archive.refs[0] ?? path, source: 'archive', matchOptions: { stage }, reason: `archive ${path}` };
}

/** How long the wider search, past the first images compared, may go on (ms). */
export const WIDER_SEARCH_MS = 10_000;

/** How the user widens the search or names the image, in the words of where the message shows. */
export interface DiscoveryHints {
  /** What raises the number of images compared first: a setting or a variable. */
  readonly maxImages: string;
  /** How to name the image instead of discovering it. */
  readonly choose: string;
}

export const EDITOR_HINTS: DiscoveryHints = {
  maxImages: 'dockerfileSize.discovery.maxImages',
  choose: 'choose its image with Select Image',
};

export interface DiscoveryOptions {
  /** How many images, newest first, are compared before the wider search. */
  readonly maxImages: number;
  /** The folder compose files are looked for up to (the workspace folder; default the Dockerfile's folder). */
  readonly composeRoot?: string;
  /** Scores kept between discoveries (the server keeps one per session). */
  readonly scores?: ScoreCache;
  /** Images lately built, tagged, loaded or imported, newest first: compared first, whatever their creation date. */
  readonly recent?: readonly RecentImage[];
  /** The wider search's deadline (default WIDER_SEARCH_MS), and the clock it is read on. */
  readonly widerSearchMs?: number;
  readonly now?: () => number;
  /** Default: the editor's words. */
  readonly hints?: DiscoveryHints;
}

/**
 * Newest first. The list's `Created` has whole seconds: of two builds in the same second the tagged one is the newer
 * (a rebuild moves the tag and leaves the old image dangling).
 */
export function newestFirst(images: readonly ImageSummary[]): ImageSummary[] {
  return [...images].sort((a, b) => b.created - a.created || Number(b.refs.length > 0) - Number(a.refs.length > 0));
}

/** The images tied to this file by name: labelled by our build, or named by a compose service that builds it. */
export function linkedImages(
  images: readonly ImageSummary[],
  dockerfilePath: string | null,
  composeRoot?: string,
): Array<{ image: ImageSummary; ref: string; reason: string }> {
  if (!dockerfilePath) return [];
  const abs = isAbsolute(dockerfilePath) ? dockerfilePath : resolvePath(dockerfilePath);
  const newest = newestFirst(images);
  const out = newest
    .filter((i) => i.labels[LABEL_DOCKERFILE] === abs && i.labels[LABEL_ROLE] !== 'stage')
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
    if (!byId) this.byModel.set(model, (byId = new Map<string, number>()));
    let score = byId.get(id);
    if (score === undefined) {
      score = matchHistory(model, { history: await source.history(id), layers: [] }).score;
      byId.set(id, score);
    }
    return score;
  }
}

function sameImage(image: ImageSummary, recent: RecentImage): boolean {
  return image.id === recent.id || image.id === `sha256:${recent.id}`;
}

/**
 * The order images are compared in: the recent ones (the latest event first), then the rest newest first; `first` is
 * how many the first window holds (the recent ones and the `maxImages` newest). `refs`: the tag an event named.
 */
export function searchOrder(
  images: readonly ImageSummary[],
  recent: readonly RecentImage[],
  maxImages: number,
): { ordered: ImageSummary[]; first: number; refs: Map<string, string> } {
  const refs = new Map<string, string>();
  const front: ImageSummary[] = [];
  for (const r of recent) {
    const image = images.find((i) => sameImage(i, r));
    if (!image || front.includes(image)) continue;
    front.push(image);
    if (r.ref && image.refs.includes(r.ref)) refs.set(image.id, r.ref);
  }
  const rest = newestFirst(images).filter((i) => !front.includes(i));
  return { ordered: [...front, ...rest], first: Math.min(front.length + maxImages, front.length + rest.length), refs };
}

/** How well each image's history matches the Dockerfile's final stage, in search order (the first window). */
export async function scoreImages(
  source: ImageSource,
  model: DockerfileModel,
  images: readonly ImageSummary[],
  maxImages: number,
  scores = new ScoreCache(),
  recent: readonly RecentImage[] = [],
): Promise<Array<{ image: ImageSummary; score: number }>> {
  const { ordered, first } = searchOrder(images, recent, maxImages);
  const out: Array<{ image: ImageSummary; score: number }> = [];
  for (const image of ordered.slice(0, first)) out.push({ image, score: await scores.score(source, model, image.id) });
  return out;
}

interface Search {
  readonly best: { image: ImageSummary; score: number } | null;
  readonly compared: number;
}

/** The best match ≥ MATCH_THRESHOLD among `images` in order (a full match ends it), stopped at `deadline` if given. */
async function bestMatch(
  source: ImageSource,
  model: DockerfileModel,
  images: readonly ImageSummary[],
  scores: ScoreCache,
  deadline: { at: number; now: () => number } | null,
): Promise<Search> {
  let best: Search['best'] = null;
  let compared = 0;
  for (const image of images) {
    if (deadline && deadline.now() >= deadline.at) break;
    const score = await scores.score(source, model, image.id);
    compared++;
    if (score >= MATCH_THRESHOLD && (!best || score > best.score)) best = { image, score };
    if (best?.score === 1) break;
  }
  return { best, compared };
}

/** Why no image: what was compared, and what to do — build it only when every image was compared. */
function notFound(
  total: number,
  first: number,
  wider: Search | null,
  elapsedMs: number,
  hints: DiscoveryHints,
): string {
  const compared = first + (wider?.compared ?? 0);
  if (compared >= total)
    return `none of the ${plural(total, 'image')} on the engine was built from this Dockerfile (all compared): build it, or ${hints.choose}`;
  const more = wider?.compared ? `, then ${wider.compared} more in ${(elapsedMs / 1000).toFixed(1)} s` : '';
  return (
    `none of the ${compared} images compared (the ${first} first by date or recent build${more}; ${total - compared} of ${total} not compared) ` +
    `was built from this Dockerfile: raise ${hints.maxImages} to compare more, or ${hints.choose}`
  );
}

/**
 * Labels and compose services first; then the best history match ≥ MATCH_THRESHOLD among the recent images and the
 * newest `maxImages`; then, when none matches, among the others until WIDER_SEARCH_MS (an image rebuilt from the
 * cache keeps its old date). `dockerfilePath` null (an unsaved document): only history matching can tell.
 */
export async function discoverImage(
  source: ImageSource,
  model: DockerfileModel,
  dockerfilePath: string | null,
  opts: DiscoveryOptions,
): Promise<ResolvedImage | { none: string }> {
  const images = newestFirst(await source.list());
  const linked = linkedImages(images, dockerfilePath, opts.composeRoot)[0];
  if (linked)
    return imageFromEngine(source, linked.image.id, model, linked.reason).then((r) => ({ ...r, ref: linked.ref }));
  if (!model.stages.length) return { none: 'the Dockerfile has no FROM instruction' };
  const scores = opts.scores ?? new ScoreCache();
  const now = opts.now ?? Date.now;
  const { ordered, first, refs } = searchOrder(images, opts.recent ?? [], opts.maxImages);
  const window = await bestMatch(source, model, ordered.slice(0, first), scores, null);
  const started = now();
  const wider =
    window.best || first >= ordered.length
      ? null
      : await bestMatch(source, model, ordered.slice(first), scores, {
          at: started + (opts.widerSearchMs ?? WIDER_SEARCH_MS),
          now,
        });
  const best = window.best ?? wider?.best;
  if (!best) return { none: notFound(ordered.length, first, wider, now() - started, opts.hints ?? EDITOR_HINTS) };
  const recent = (opts.recent ?? []).some((r) => sameImage(best.image, r));
  const where = wider
    ? ` (older than the ${opts.maxImages} newest images: found by the wider search)`
    : recent
      ? ' (built or tagged lately)'
      : '';
  const found = await imageFromEngine(
    source,
    best.image.id,
    model,
    `history matches ${Math.round(best.score * 100)}%${where}`,
  );
  return { ...found, ref: refs.get(best.image.id) ?? best.image.refs[0] ?? best.image.id };
}

/** The newest image built for each other stage of this file (Build Image with every stage), for their sizes. */
export async function stageImages(
  source: ImageSource,
  model: DockerfileModel,
  dockerfilePath: string | null,
  except: ReadonlySet<number>,
): Promise<ResolvedImage[]> {
  if (!dockerfilePath) return [];
  const abs = isAbsolute(dockerfilePath) ? dockerfilePath : resolvePath(dockerfilePath);
  const seen = new Set<number>();
  const out: ResolvedImage[] = [];
  for (const image of newestFirst(await source.list())) {
    if (image.labels[LABEL_DOCKERFILE] !== abs || image.labels[LABEL_ROLE] !== 'stage') continue;
    const stage = model.stages.findIndex((s) => s.name?.toLowerCase() === image.labels[LABEL_STAGE]?.toLowerCase());
    if (stage < 0 || seen.has(stage) || except.has(stage)) continue;
    seen.add(stage);
    out.push({
      ...(await imageFromEngine(source, image.id, model, `built as stage ${image.labels[LABEL_STAGE]}`)),
      ref: image.refs[0] ?? image.id,
    });
  }
  return out;
}
