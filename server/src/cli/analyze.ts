// `dfsize analyze [--image REF | --archive PATH | TARGET] [--json] [--dive-json FILE] [--ci] [--ci-config FILE]`
//   [--ci-waste dive|removable] [--dockerfile PATH] [--platform OS/ARCH] [--no-cache] [--registry] [--insecure-registry]
//   [--ca-cert FILE]… [--cache-from REGISTRY/REPO[:TAG]] [--cache-to REGISTRY/REPO[:TAG]]
// TARGET is an archive file, an image on the engine, or — when it names a registry host (a dot, a port, localhost),
// or with --registry — an image read straight from its registry (registry/), with no engine at all.
// Layer contents and waste of one image, dive's figures among them, with dive's CI gate. Works on an archive with no
// engine at all. --dockerfile names the Dockerfile the image was built from, so that layers and waste get their lines.
// --dive-json FILE also writes dive's own export (`dive --json FILE`) for scripts written for dive's file.
// The engine client is loaded only for an image (an archive needs none of it: it is most of the start-up cost).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { AnalyzedImage } from '../analysis/analyze';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import {
  CI_WASTE,
  CiConfigError,
  evaluateCi,
  gatedFigures,
  parseCiConfig,
  type CiConfig,
  type CiWaste,
} from '../analysis/diveCi';
import { DiveFileLists, diveExport, goJson } from '../analysis/diveExport';
import { layerLines } from '../analysis/lines';
import { matchHistory } from '../core/match';
import type { DockerodeSource } from '../engine/dockerode';
import { EngineError, isImageReference } from '../engine/source';
import { isRegistryReference } from '../registry/reference';
import { writeFileSafely } from '../files/safeWrite';
import { EXIT, UsageError } from './errors';
import { ansi, plain } from './human';
import { readCaCerts, readDockerfile, readUserFile } from './input';
import { analyzeJson, renderAnalysis, renderCi } from './analyzeOutput';
import { analyzeTarget, connectEngine } from './measure';
import {
  checkCacheFlags,
  sharedSource,
  sharedSourceLine,
  shareResult,
  type ImageInRegistry,
  type RegistryTls,
} from './sharedCache';
import type { SharedLayerSource } from '../registry/sharedCache';
import type { TarHeader } from '../engine/tarFormat';
import type { DockerfileModel } from '../core/dockerfile';
import type { CliIo } from './report';
import { ANALYZE_USAGE } from './usage';

export { ANALYZE_USAGE };

type Target = { kind: 'archive'; path: string } | { kind: 'image'; ref: string } | { kind: 'registry'; ref: string };

function targetOf(values: { image?: string; archive?: string; registry?: boolean }, positionals: string[]): Target {
  const given = [values.image !== undefined, values.archive !== undefined, positionals.length > 0].filter(
    Boolean,
  ).length;
  if (given === 0) throw new UsageError(`name an image or an archive\nusage: ${ANALYZE_USAGE}`);
  if (given > 1 || positionals.length > 1)
    throw new UsageError(`name one image or one archive (--image, --archive or TARGET)\nusage: ${ANALYZE_USAGE}`);
  if (values.image !== undefined) return { kind: values.registry ? 'registry' : 'image', ref: values.image };
  if (values.archive !== undefined) return { kind: 'archive', path: values.archive };
  const t = positionals[0]!;
  // As docker reads a reference: a first component with a dot or a port, or `localhost`, names a registry.
  if (values.registry || (!existsSync(t) && isRegistryReference(t))) return { kind: 'registry', ref: t };
  // TARGET is an archive when such a file exists, else an image reference.
  if (existsSync(t)) return { kind: 'archive', path: t };
  if (!isImageReference(t) || /\.(tar|tgz|tar\.gz|tar\.zst)$/.test(t)) {
    throw new UsageError(
      `${t}: no such file, and not an image reference: name an archive written by docker save, or an image (name[:tag] or id)`,
    );
  }
  return { kind: 'image', ref: t };
}

/** A .dive-ci file is a few lines of YAML. */
const MAX_CI_CONFIG_BYTES = 1024 * 1024;

function readCiConfig(file: string | undefined): { config: CiConfig; name: string } {
  const name = file ?? '.dive-ci';
  let text: string | null = null;
  if (file !== undefined) {
    text = readUserFile(file, `--ci-config ${file}`, 'a .dive-ci file', MAX_CI_CONFIG_BYTES).toString('utf8');
  } else if (existsSync('.dive-ci') && statSync('.dive-ci').isFile()) {
    text = readFileSync('.dive-ci', 'utf8');
  }
  try {
    return { config: parseCiConfig(text, name), name: text === null ? "dive's defaults" : name };
  } catch (e) {
    if (e instanceof CiConfigError) throw new UsageError(e.message);
    throw e;
  }
}

function ciWaste(v: string): CiWaste {
  if ((CI_WASTE as readonly string[]).includes(v)) return v as CiWaste;
  throw new UsageError(`--ci-waste ${v}: name one of ${CI_WASTE.join(', ')} (dive: dive's wasted bytes, the default)`);
}

/** `--dive-json FILE`: dive's export of what was read (the headers came with the read: the cache was not used). */
async function writeDiveExport(file: string, result: AnalyzedImage, lists: DiveFileLists): Promise<void> {
  if (!result.layerBlobs) throw new Error('the image was not read, so its file lists are unknown');
  await writeFileSafely(file, goJson(diveExport(result.info, result.layerBlobs, lists, result.analysis.dive)));
}

const ANALYZE_OPTIONS = {
  image: { type: 'string' },
  archive: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dive-json': { type: 'string' },
  ci: { type: 'boolean', default: false },
  'ci-config': { type: 'string' },
  'ci-waste': { type: 'string', default: 'dive' },
  dockerfile: { type: 'string' },
  platform: { type: 'string' },
  'no-cache': { type: 'boolean', default: false },
  registry: { type: 'boolean', default: false },
  'insecure-registry': { type: 'boolean', default: false },
  'ca-cert': { type: 'string', multiple: true, default: [] as string[] },
  'cache-to': { type: 'string' },
  'cache-from': { type: 'string' },
} as const;

type AnalyzeValues = ReturnType<typeof parseArgs<{ options: typeof ANALYZE_OPTIONS }>>['values'];

/** What every source's analysis is given: the cache, the shared cache, dive's header lists, how to reach registries. */
interface ReadContext {
  readonly cache: AnalysisCache | null;
  readonly layerSource: SharedLayerSource | null;
  readonly onHeader: ((blob: string, header: TarHeader) => void) | undefined;
  readonly tls: RegistryTls;
  /** What is pushed to a shared cache must be what its diffID says: an archive's or a registry's layers are hashed. */
  readonly verifyLayers: boolean;
}

interface Read {
  readonly result: AnalyzedImage;
  readonly ref: string;
  /** The engine, when the image was on one (the Dockerfile's base images are looked up there). */
  readonly source: DockerodeSource | null;
  /** A registry image: where it lives, so that its analyses can be tied to it (referrers, docs/registry-cache.md). */
  readonly registryImage: ImageInRegistry | null;
}

/** The image's analysis, from whichever source TARGET names. */
async function readTarget(target: Target, values: AnalyzeValues, io: CliIo, ctx: ReadContext): Promise<Read> {
  const { cache, layerSource, onHeader, verifyLayers } = ctx;
  if (target.kind === 'archive') {
    const result = await analyzeTarget({ archive: target.path }, target.path, io, {
      ...{ cache, contents: false, platform: values.platform, onHeader, layerSource, verifyLayers },
    });
    return { result, ref: result.info.refs[0] ?? target.path, source: null, registryImage: null };
  }
  if (target.kind === 'registry') {
    const { fromRegistry } = await import('./registry');
    let registryImage: ImageInRegistry | null = null;
    const result = await fromRegistry(target.ref, io, {
      ...{ cache, platform: values.platform, onHeader, layerSource, verifyLayers, ...ctx.tls },
      onResolved: (host, image) => {
        registryImage = { host, image };
        layerSource?.tie(host, image.repo, image.manifest.digest);
      },
    });
    return { result, ref: target.ref, source: null, registryImage };
  }
  if (values['ca-cert'].length)
    io.stderr('dfsize: warning: --ca-cert applies to registries; the engine pulls itself\n');
  if (values.platform !== undefined)
    io.stderr('dfsize: warning: --platform applies to archives and registries; the engine exports the image it has\n');
  const source = await connectEngine(io.env);
  const result = await analyzeTarget({ engine: source, image: target.ref }, target.ref, io, {
    ...{ cache, contents: false, onHeader, layerSource },
  });
  return { result, ref: target.ref, source, registryImage: null };
}

/** Each layer's Dockerfile line, when --dockerfile names the file the image was built from. */
async function dockerfileLines(
  dockerfile: { model: DockerfileModel } | null,
  { result, source }: Read,
): Promise<Array<number | null> | null> {
  if (!dockerfile) return null;
  const { model } = dockerfile;
  const { baseOptions, targetStage } = await import('../images/resolve');
  const stage = targetStage(model, result.info);
  const opts = source
    ? await baseOptions(source, model, result.info, stage).catch((e: unknown) => {
        // The engine gone since the analysis: the lines are matched without the base image's history.
        if (e instanceof EngineError) return { stage };
        throw e;
      })
    : { stage };
  return layerLines(model, result.info, matchHistory(model, result.info, opts));
}

export async function analyzeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: ANALYZE_OPTIONS,
  });
  const target = targetOf(values, positionals);
  checkCacheFlags(values);
  // An analysis builds large lists and trees that live to its end, and V8 answers that by growing its young generation
  // to its maximum (32 MiB on Node 20, 64 MiB on Node 24), which is most of what the analysis adds to the process'
  // memory. Kept at its initial size, the peak RSS of `dfsize analyze --image` on the 1 GB / 51,200-file bench image
  // went from 160-180 MB to 111-118 MB at the same speed (the archive path: 157-164 → 122-140 MB). Only the growth
  // factor can still change once V8 runs (--max-semi-space-size is read when the heap is set up; --optimize-for-size
  // also saves memory here but costs half again the time). This process runs nothing but this one analysis.
  setFlagsFromString('--semi-space-growth-factor=1');
  const ci = values.ci || values['ci-config'] !== undefined ? readCiConfig(values['ci-config']) : null;
  const waste = ciWaste(values['ci-waste']);
  for (const w of ci?.config.warnings ?? []) io.stderr(`dfsize: warning: ${w}\n`);
  const dockerfile = values.dockerfile !== undefined ? readDockerfile(values.dockerfile) : null;
  const cache = values['no-cache'] ? null : new AnalysisCache(defaultCacheDir(io.env));
  const diveFile = values['dive-json'];
  const lists = diveFile === undefined ? null : new DiveFileLists();
  const tls: RegistryTls = { insecure: values['insecure-registry'], ca: readCaCerts(values['ca-cert']) };
  const layerSource = values['cache-from'] === undefined ? null : sharedSource(values['cache-from'], io, tls);
  const onHeader = lists ? lists.add.bind(lists) : undefined;
  const verifyLayers = values['cache-to'] !== undefined;
  const read = await readTarget(target, values, io, { cache, layerSource, onHeader, tls, verifyLayers });
  const { result } = read;
  if (result.note) io.stderr(`dfsize: ${result.note}\n`);
  if (layerSource) io.stderr(sharedSourceLine(layerSource));
  if (values['cache-to'] !== undefined)
    await shareResult(values['cache-to'], io, result, { cache, from: layerSource, tls, image: read.registryImage });
  if (diveFile !== undefined && lists) await writeDiveExport(diveFile, result, lists);

  const json = analyzeJson(read.ref, result.info, result.analysis, await dockerfileLines(dockerfile, read));
  if (result.fetched) json.fetched = result.fetched;
  if (result.unread?.length) json.unread = [...result.unread];
  const verdict =
    ci && evaluateCi(ci.config, gatedFigures(result.analysis.dive, result.analysis.removableBytes, waste));
  const style = io.isTty && !io.env.NO_COLOR ? ansi : plain;
  if (values.json) {
    io.stdout(JSON.stringify(json, null, 2) + '\n');
    if (ci && verdict) io.stderr(renderCi(verdict.results, verdict.pass, ci.name, plain));
  } else {
    io.stdout(renderAnalysis(json, result.source, style));
    if (ci && verdict) io.stdout('\n' + renderCi(verdict.results, verdict.pass, ci.name, style));
  }
  return verdict && !verdict.pass ? EXIT.gateFailed : EXIT.ok;
}
