// The image a command's numbers come from, as `dfsize report` picks it: --archive, --image (the engine must
// answer: exit 3 otherwise), or discovery (no image is fine: the command goes on without one, stderr says why).
import { RecentImages, type RecentImage } from '../engine/events';
import type { DockerodeSource } from '../engine/dockerode';
import { EngineError, type ImageSource } from '../engine/source';
import type { DockerfileModel } from '../core/dockerfile';
import {
  discoverImage,
  imageFromArchive,
  imageFromEngine,
  type DiscoveryHints,
  type ResolvedImage,
} from '../images/resolve';
import { UsageError } from './errors';
import { connectEngine } from './measure';
import type { CliIo } from './report';

/** The flags of the commands that read a Dockerfile against one image (report, fix, ci), for their parseArgs. */
export const IMAGE_OPTIONS = {
  image: { type: 'string' },
  archive: { type: 'string' },
  verbose: { type: 'boolean', default: false },
} as const;

/** --image and --archive together name two images: one line, before anything is read. */
export function oneImage(values: { readonly image?: string; readonly archive?: string }): void {
  if (values.image !== undefined && values.archive !== undefined)
    throw new UsageError('--image and --archive name two images: give one');
}

export interface CliImage {
  readonly image: ResolvedImage | null;
  /** The engine, when the image came from it (it answered). */
  readonly source: ImageSource | null;
}

/** The editor's dockerfileSize.discovery.maxImages default. */
const MAX_IMAGES = 200;
/** How far back the engine's own memory of image events is asked (dockerd keeps its last 256 anyway). */
const RECENT_EVENTS_SECONDS = 24 * 3600;

export const CLI_HINTS: DiscoveryHints = { maxImages: 'DFSIZE_MAX_IMAGES', choose: 'name its image with --image REF' };

/** The images the engine built, tagged, loaded or imported lately, from its event memory (newest first). */
async function recentImages(source: DockerodeSource, io: CliIo): Promise<readonly RecentImage[]> {
  const recent = new RecentImages();
  try {
    for (const e of await source.pastImageEvents(Math.floor(Date.now() / 1000) - RECENT_EVENTS_SECONDS)) recent.note(e);
  } catch (e) {
    if (!(e instanceof EngineError) || e.kind === 'unreachable' || e.kind === 'timeout') throw e;
    io.stderr(
      `dfsize: warning: the engine's recent image events could not be read (${e.message}): discovery goes by date only\n`,
    );
  }
  return recent.list();
}

/** A number of milliseconds from a variable, or undefined (the default) when it is unset or not one. */
function msOf(text: string | undefined): number | undefined {
  const n = Number(text);
  return text && Number.isFinite(n) && n >= 0 ? n : undefined;
}

export async function resolveCliImage(
  values: { image?: string; archive?: string },
  model: DockerfileModel,
  path: string,
  io: CliIo,
): Promise<CliImage> {
  if (values.archive !== undefined) return { image: await imageFromArchive(values.archive, model), source: null };
  const source = await connectEngine(io.env);
  if (values.image !== undefined)
    return { image: await imageFromEngine(source, values.image, model, '--image'), source };
  try {
    const found = await discoverImage(source, model, path, {
      maxImages: Number(io.env.DFSIZE_MAX_IMAGES) || MAX_IMAGES,
      recent: await recentImages(source, io),
      hints: CLI_HINTS,
      widerSearchMs: msOf(io.env.DFSIZE_DISCOVERY_TIMEOUT_MS),
    });
    if ('none' in found) {
      io.stderr(`dfsize: no image: ${found.none}\n`);
      return { image: null, source: null };
    }
    io.stderr(`dfsize: using ${found.ref}: ${found.reason}\n`);
    return { image: found, source };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    io.stderr(`dfsize: no image: ${e.message}\n`);
    return { image: null, source: null };
  }
}
