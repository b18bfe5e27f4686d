// How every command reaches an engine and reads an image's layers, and what `dfsize report` and `dfsize fix` measure
// by themselves: as the editor does in the background, the image's layer analysis (its export or the archive, read
// once and then cached) for images up to the same size limit. `dfsize analyze` reads images through the same
// functions: one engine connection with its deadlines, one analysis call with its progress line and its error words.
import {
  analyzeImage,
  cachedAnalysis,
  cachedArchiveAnalysis,
  type AnalysisProgress,
  type AnalysisSource,
  type AnalyzedImage,
  type AnalyzeOptions,
} from '../analysis/analyze';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import { MAX_AUTO_ANALYSIS_BYTES } from '../core/analysis';
import { formatBytes, parseBytes } from '../core/format';
import { ArchiveFormatError } from '../engine/archiveError';
import type { DockerodeSource } from '../engine/dockerode';
import { resolveEndpoint } from '../engine/endpoint';
import { EngineError, type ImageSource } from '../engine/source';
import type { ResolvedImage } from '../images/resolve';
import { messageOf, UsageError } from './errors';
import type { CliIo } from './report';

/** How long one engine call may take unless DFSIZE_ENGINE_TIMEOUT_MS says otherwise (the editor's default too). */
export const ENGINE_TIMEOUT_MS = 10_000;

/** The flags of the commands that measure by themselves (report, fix), for their parseArgs. */
export const MEASURE_OPTIONS = {
  'no-analyze': { type: 'boolean', default: false },
  'max-analyze-bytes': { type: 'string' },
} as const;

export interface MeasurePolicy {
  /** False with --no-analyze: only an analysis already cached counts. */
  readonly analyze: boolean;
  /** Bigger images are not analysed unasked. */
  readonly maxBytes: number;
}

/** --no-analyze and --max-analyze-bytes (else DFSIZE_MAX_ANALYZE_BYTES, else the editor's 2 GB). */
export function measurePolicy(
  values: { readonly 'no-analyze'?: boolean; readonly 'max-analyze-bytes'?: string },
  env: Readonly<Record<string, string | undefined>>,
): MeasurePolicy {
  const analyze = values['no-analyze'] !== true;
  const flag = values['max-analyze-bytes'];
  const given =
    flag !== undefined
      ? { text: flag, name: '--max-analyze-bytes' }
      : env.DFSIZE_MAX_ANALYZE_BYTES
        ? { text: env.DFSIZE_MAX_ANALYZE_BYTES, name: 'DFSIZE_MAX_ANALYZE_BYTES' }
        : null;
  if (!given) return { analyze, maxBytes: MAX_AUTO_ANALYSIS_BYTES };
  const maxBytes = parseBytes(given.text);
  if (maxBytes === null)
    throw new UsageError(
      `${given.name} ${given.text}: not a size: give bytes, or a number with a unit (500MB, 2GB, 1.5GiB)`,
    );
  return { analyze, maxBytes };
}

/** The engine as every command talks to it: DOCKER_HOST & co., DFSIZE_ENGINE_TIMEOUT_MS, DFSIZE_EXPORT_TIMEOUT_MS. */
export async function connectEngine(env: Readonly<Record<string, string | undefined>>): Promise<DockerodeSource> {
  // The engine client is loaded only when an engine is asked (an archive needs none of it: it is most of the start-up).
  const { DockerodeSource } = await import('../engine/dockerode');
  // dockerd answers an export only once it has spooled the whole image to disk (about 10 s per GB here): the export
  // gets its own, longer deadline (EXPORT_START_TIMEOUT_MS unless set); everything else keeps the engine's.
  return DockerodeSource.connect(
    resolveEndpoint({ env }),
    Number(env.DFSIZE_ENGINE_TIMEOUT_MS) || ENGINE_TIMEOUT_MS,
    Number(env.DFSIZE_EXPORT_TIMEOUT_MS) || undefined,
  );
}

/** Names the archive in every archive problem, and words file-system errors as the user's mistake. */
function archiveError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UsageError(`${path}: no such file: name an archive written by docker save`);
  if (code === 'EISDIR') return new UsageError(`${path} is a folder: name an archive written by docker save`);
  if (code === 'EACCES' || code === 'EPERM') return new UsageError(`${path}: permission denied`);
  if (e instanceof ArchiveFormatError) return new ArchiveFormatError(`${path}: ${e.message}`);
  return e;
}

/** Used when a terminal does not say how wide it is. */
const TERMINAL_COLUMNS = 80;

/**
 * One line on a terminal's stderr, rewritten in place as the analysis goes and erased at its end; cut to the
 * terminal's width, since a wrapped line could not be rewritten.
 */
function progressLine(io: CliIo, what: string): { update(p: AnalysisProgress): void; end(): void } {
  const width = Math.max(1, (io.stderrColumns || TERMINAL_COLUMNS) - 1);
  const show = (text: string) => io.stderr(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
  show(`dfsize: analysing ${what}: starting…`);
  return {
    update: (p) =>
      show(
        p.phase === 'computing'
          ? `dfsize: analysing ${what}: computing waste…`
          : `dfsize: analysing ${what}: ${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''} read`,
      ),
    end: () => io.stderr('\r\x1b[K'),
  };
}

/**
 * Reads an image's layers (the engine's export or an archive file), cached, with a progress line when stderr is a
 * terminal (nothing when it is piped: CI logs and --json stay clean). Throws what analyzeImage throws, an archive's
 * problems naming the file.
 */
export async function analyzeTarget(
  target: AnalysisSource,
  what: string,
  io: CliIo,
  opts: Pick<AnalyzeOptions, 'cache' | 'contents' | 'platform' | 'onHeader' | 'layerSource' | 'verifyLayers'>,
): Promise<AnalyzedImage> {
  const progress = io.stderrIsTty ? progressLine(io, what) : null;
  try {
    return await analyzeImage(target, { ...opts, onProgress: progress ? (p) => progress.update(p) : undefined });
  } catch (e) {
    throw 'archive' in target ? archiveError(target.archive, e) : e;
  } finally {
    progress?.end();
  }
}

/**
 * What `report` and `fix` measured of their image: the cached analysis, else — unless --no-analyze — one made now when
 * the image is within the limit. Null when there is none; stderr says so in one line when the limit or a failed
 * export was the reason (the static findings still come).
 */
export async function measure(
  image: ResolvedImage | null,
  from: { readonly engine: ImageSource | null; readonly archive?: string },
  policy: MeasurePolicy,
  io: CliIo,
): Promise<AnalyzedImage | null> {
  const target: AnalysisSource | null =
    image?.source === 'engine' && from.engine
      ? { engine: from.engine, image: image.info.id }
      : image?.source === 'archive' && from.archive !== undefined
        ? { archive: from.archive }
        : null;
  if (!image || !target) return null;
  const cache = new AnalysisCache(defaultCacheDir(io.env));
  const cached =
    'archive' in target
      ? await cachedArchiveAnalysis(cache, target.archive)
      : await cachedAnalysis(cache, image.info.id);
  if (cached || !policy.analyze) return cached;
  if (image.info.sizeBytes > policy.maxBytes) {
    io.stderr(
      `dfsize: measured findings skipped: ${image.ref} is ${formatBytes(image.info.sizeBytes)}, more than the ${formatBytes(policy.maxBytes)} dfsize analyses ` +
        'by itself (--max-analyze-bytes SIZE or DFSIZE_MAX_ANALYZE_BYTES raises that; `dfsize analyze` caches an analysis for every later run)\n',
    );
    return null;
  }
  try {
    return await analyzeTarget(target, image.ref, io, { cache, contents: true });
  } catch (e) {
    if (!(e instanceof EngineError || e instanceof ArchiveFormatError || e instanceof UsageError)) throw e;
    io.stderr(`dfsize: measured findings skipped: the analysis of ${image.ref} failed: ${messageOf(e)}\n`);
    return null;
  }
}
