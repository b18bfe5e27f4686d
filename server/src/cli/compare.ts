// `dfsize compare OLD NEW [--dockerfile PATH] [--json]`: why did the image grow? OLD and NEW are images on the engine,
// archives written by docker save (`archive:PATH`, or the path of an existing file), or `previous`: the build the
// editor recorded before its last Build Image of the Dockerfile. Both are read through NEW's Dockerfile (--dockerfile,
// else the file NEW's dfsize label names, else ./Dockerfile); core/buildCompare compares, this only formats.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AnalyzedImage } from '../analysis/analyze';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import { compareBuilds, linesUnlikeImage } from '../core/buildCompare';
import { renderComparison } from '../core/compareText';
import type { DockerfileModel } from '../core/dockerfile';
import { ArchiveFormatError } from '../engine/archiveError';
import { EngineError, isImageReference, loadImage, lowercaseProblem, type ImageSource } from '../engine/source';
import { compareInput, previousImage } from '../images/compareImages';
import { imageFromArchive, imageFromEngine, LABEL_DOCKERFILE, type ResolvedImage } from '../images/resolve';
import { PreviousBuilds } from '../state/previousBuilds';
import { messageOf, UsageError } from './errors';
import { readDockerfile } from './input';
import { analyzeTarget, connectEngine } from './measure';
import type { CliIo } from './report';
import { COMPARE_USAGE } from './usage';

type Target =
  | { readonly kind: 'image'; readonly ref: string }
  | { readonly kind: 'archive'; readonly path: string }
  | { readonly kind: 'previous' };

const ARCHIVE_PREFIX = 'archive:';

/** An argument as the user meant it; one line saying what to give otherwise. */
function targetOf(text: string, name: 'OLD' | 'NEW'): Target {
  if (text === 'previous') return { kind: 'previous' };
  if (text.startsWith(ARCHIVE_PREFIX)) return { kind: 'archive', path: text.slice(ARCHIVE_PREFIX.length) };
  if (existsSync(text) && statSync(text).isFile()) return { kind: 'archive', path: text };
  if (isImageReference(text)) return { kind: 'image', ref: text };
  const capitals = lowercaseProblem(text);
  if (capitals) throw new UsageError(`${name} ${capitals}`);
  throw new UsageError(
    `${name} "${text}" is no image reference, no archive file and not "previous": name an image (app:1.2), archive:PATH, or previous`,
  );
}

/** The engine, connected once and only when a side lives there. */
function lazyEngine(io: CliIo): () => Promise<ImageSource> {
  let engine: Promise<ImageSource> | null = null;
  return () => (engine ??= connectEngine(io.env));
}

interface Loaded {
  readonly image: ResolvedImage;
  readonly archive: string | null;
}

async function loadSide(
  target: Target,
  model: DockerfileModel,
  dockerfile: string,
  engine: () => Promise<ImageSource>,
  io: CliIo,
): Promise<Loaded> {
  if (target.kind === 'archive') return { image: await imageFromArchive(target.path, model), archive: target.path };
  if (target.kind === 'image')
    return { image: await imageFromEngine(await engine(), target.ref, model, 'named'), archive: null };
  const builds = PreviousBuilds.inCliCache(io.env, warnLine(io));
  const found = await previousImage(builds, await engine(), model, dockerfile);
  if ('none' in found) throw new UsageError(found.none);
  return { image: found, archive: null };
}

function warnLine(io: CliIo): (m: string) => void {
  return (m) => {
    io.stderr(`dfsize: warning: ${m}\n`);
  };
}

/** --dockerfile, else the Dockerfile NEW's label names (the editor's builds set it), else ./Dockerfile. */
async function dockerfileFor(
  given: string | undefined,
  next: Target,
  engine: () => Promise<ImageSource>,
): Promise<string> {
  if (given !== undefined) return given;
  if (next.kind === 'image') {
    const labelled = (await loadImage(await engine(), next.ref)).labels[LABEL_DOCKERFILE];
    if (labelled && existsSync(labelled)) return labelled;
  }
  if (existsSync('Dockerfile')) return 'Dockerfile';
  throw new UsageError('which Dockerfile built NEW? name it with --dockerfile PATH');
}

/** The image's analysis (cached, or read now with a progress line); null, said on stderr, when it cannot be read. */
async function analysed(loaded: Loaded, engine: () => Promise<ImageSource>, io: CliIo): Promise<AnalyzedImage | null> {
  const cache = new AnalysisCache(defaultCacheDir(io.env));
  const target =
    loaded.archive !== null ? { archive: loaded.archive } : { engine: await engine(), image: loaded.image.info.id };
  try {
    return await analyzeTarget(target, loaded.image.ref, io, { cache, contents: true });
  } catch (e) {
    if (!(e instanceof EngineError || e instanceof ArchiveFormatError || e instanceof UsageError)) throw e;
    io.stderr(`dfsize: paths not compared: the analysis of ${loaded.image.ref} failed: ${messageOf(e)}\n`);
    return null;
  }
}

export async function compareCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { dockerfile: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [oldText, newText] = positionals;
  if (positionals.length !== 2 || oldText === undefined || newText === undefined)
    throw new UsageError(`usage: ${COMPARE_USAGE}`);
  const [oldTarget, newTarget] = [targetOf(oldText, 'OLD'), targetOf(newText, 'NEW')];
  const engine = lazyEngine(io);
  const path = await dockerfileFor(values.dockerfile, newTarget, engine);
  const { text, model } = readDockerfile(path, io.stderr);
  const file = resolve(path);
  const next = await loadSide(newTarget, model, file, engine, io);
  const old = await loadSide(oldTarget, model, file, engine, io);
  const newInput = compareInput(model, next.image, await analysed(next, engine, io));
  const oldInput = compareInput(model, old.image, await analysed(old, engine, io));
  const unlike = linesUnlikeImage(model, newInput.match);
  if (unlike.length)
    io.stderr(
      `dfsize: warning: ${path} ${unlike.length > 1 ? 'lines' : 'line'} ${unlike.join(', ')} ${unlike.length > 1 ? 'differ' : 'differs'} from what ${next.image.ref} recorded: the file changed since NEW was built, or is not NEW's\n`,
    );
  const comparison = compareBuilds(model, oldInput, newInput);
  const lines = text.split(/\r?\n/);
  io.stdout(
    values.json
      ? `${JSON.stringify(comparison, null, 2)}\n`
      : renderComparison(comparison, {
          lineText: (line) => lines[line - 1] ?? '',
          pathsCompared: oldInput.paths !== null && newInput.paths !== null,
        }),
  );
  return 0;
}
