// `dfsize report <Dockerfile> [--image REF | --archive PATH] [--json]`
import { parseArgs } from 'node:util';
import type { AnalyzedImage } from '../analysis/analyze';
import type { DockerfileModel } from '../core/dockerfile';
import type { ResolvedImage } from '../images/resolve';
import { matchHistory, type MatchResult } from '../core/match';
import { buildReport, type Report } from '../core/report';
import { computeFindings } from '../core/rules/index';
import { baseSizeWarnings, contextFactory, gatherInputs, minBytesOf, reportFindings } from '../findings/ruleInputs';
import { ruleFailureLines, UsageError } from './errors';
import { IMAGE_OPTIONS, oneImage, resolveCliImage, type CliImage } from './image';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import { isRegistryReference } from '../registry/reference';
import { isImageReference } from '../engine/source';
import { measure, MEASURE_OPTIONS, measurePolicy, type MeasurePolicy } from './measure';
import { REPORT_USAGE } from './usage';
import { ansi, plain, renderReport } from './human';
import { readCaCerts, readDockerfile } from './input';
import { PreviousBuilds } from '../state/previousBuilds';

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stdout is a terminal (colours). */
  readonly isTty: boolean;
  /** stderr is a terminal (a progress line), and how wide (the line never wraps). */
  readonly stderrIsTty: boolean;
  readonly stderrColumns?: number;
}

export { REPORT_USAGE };

/** What `report` and `ci` measure of a Dockerfile: its image (named or discovered), the analysis, the findings. */
export interface MeasuredReport {
  readonly text: string;
  readonly model: DockerfileModel;
  readonly image: ResolvedImage | null;
  readonly measured: AnalyzedImage | null;
  readonly match: MatchResult | null;
  readonly report: Report;
}

export async function measuredReport(
  path: string,
  values: {
    readonly image?: string;
    readonly archive?: string;
    readonly verbose?: boolean;
    readonly registry?: boolean;
    readonly 'insecure-registry'?: boolean;
    readonly 'ca-cert'?: readonly string[];
  },
  policy: MeasurePolicy,
  io: CliIo,
): Promise<MeasuredReport> {
  oneImage(values);
  const { text, model } = readDockerfile(path, io.stderr);

  const { image, source, measured } = await imageAndAnalysis(path, model, values, policy, io);
  const match = image ? matchHistory(model, image.info, image.matchOptions) : null;
  const warn = baseSizeWarnings(io.env, values.verbose === true, io.stderr);
  const inputs = await gatherInputs(path, model, source, io.env, warn);
  const makeContext = contextFactory(inputs, image, measured, minBytesOf(io.env));
  const run = computeFindings(makeContext(model), { disabled: new Set() });
  io.stderr(ruleFailureLines(run.failures, values.verbose === true));
  const findings = reportFindings(run.findings);
  const analysis = measured && {
    efficiencyScore: measured.analysis.dive.efficiencyScore,
    inefficientBytes: measured.analysis.dive.inefficientBytes,
    userWastedPercent: measured.analysis.dive.userWastedPercent,
    removableBytes: measured.analysis.removableBytes,
  };
  // The build that made the image, when `dfsize build` recorded it (lines edited since then are not matched anyway).
  const timing = image
    ? await PreviousBuilds.inCliCache(io.env, (m) => io.stderr(`dfsize: ${m}\n`)).timing(image.info.id)
    : undefined;
  const report: Report = buildReport({
    dockerfile: path,
    model,
    image: image && { info: image.info, ref: image.ref, source: image.source },
    match,
    findings,
    analysis,
    timings: timing?.lines ?? null,
  });
  return { text, model, image, measured, match, report };
}

/** The image (named, discovered, or from its registry) and its layer analysis. */
async function imageAndAnalysis(
  path: string,
  model: DockerfileModel,
  values: Parameters<typeof measuredReport>[1],
  policy: MeasurePolicy,
  io: CliIo,
): Promise<CliImage & { measured: AnalyzedImage | null }> {
  const ref = values.image;
  // As `analyze` reads a reference: one naming a registry host (or --registry) is read from that registry.
  // Not a reference at all: the engine path below says so, before any call.
  if (ref !== undefined && isImageReference(ref) && (values.registry === true || isRegistryReference(ref))) {
    const { registryReportImage } = await import('./registry');
    const cache = new AnalysisCache(defaultCacheDir(io.env));
    const insecure = values['insecure-registry'] === true;
    const ca = readCaCerts(values['ca-cert'] ?? []);
    return { ...(await registryReportImage(ref, model, io, { cache, insecure, ca })), source: null };
  }
  const { image, source } = await resolveCliImage(values, model, path, io);
  // The layer analysis, as the editor has it: cached, or made now for an image within the limit.
  const measured = await measure(image, { engine: source, archive: values.archive }, policy, io);
  return { image, source, measured };
}

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...IMAGE_OPTIONS,
      ...MEASURE_OPTIONS,
      json: { type: 'boolean', default: false },
      registry: { type: 'boolean', default: false },
      'insecure-registry': { type: 'boolean', default: false },
      'ca-cert': { type: 'string', multiple: true, default: [] as string[] },
    },
  });
  const policy = measurePolicy(values, io.env);
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length) throw new UsageError(`usage: ${REPORT_USAGE}`);
  const { report, text } = await measuredReport(path, values, policy, io);
  io.stdout(
    values.json
      ? JSON.stringify(report, null, 2) + '\n'
      : renderReport(report, text, io.isTty && !io.env.NO_COLOR ? ansi : plain),
  );
  return 0;
}
