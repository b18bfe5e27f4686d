// `dfsize ci <Dockerfile> [--image REF | --archive PATH] [--config FILE] [--format …] [--output FILE] [gate flags]`
// The size gates of a pull request: the image measured as `dfsize report` measures it (named, or discovered), its
// analysis and findings, checked against `.dfsize.json`, the flags and the `# dfsize-budget` comments, and written
// in the CI's own format (docs/ci.md). Exit 1 when a gate fails; warnings pass.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateGates, overallStatus, type GateInput } from '../analysis/gates';
import { layerLines } from '../analysis/lines';
import { lineBudgets, type LineBudget } from '../core/budgets';
import { writeFileSafely } from '../files/safeWrite';
import { applyGateFlags, readGateConfig, repositoryRoot } from './ciConfig';
import { renderGithub, renderGithubSummary, renderGitlab, renderSarif } from './ciFormats';
import { renderCiHuman, type CiOutcome } from './ciOutput';
import { EXIT, UsageError } from './errors';
import { ansi, plain } from './human';
import { readDockerfile } from './input';
import { IMAGE_OPTIONS } from './image';
import type { ResolvedImage } from '../images/resolve';
import { measuredReport, type CliIo, type MeasuredReport } from './report';
import { CI_USAGE } from './usage';
import { VERSION } from '../version';

export { CI_USAGE };

const FORMATS = ['human', 'json', 'sarif', 'github', 'gitlab'] as const;
type Format = (typeof FORMATS)[number];

const OPTIONS = {
  ...IMAGE_OPTIONS,
  config: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  'max-image-size': { type: 'string' },
  'max-layer-size': { type: 'string' },
  'max-layers': { type: 'string' },
  'max-removable': { type: 'string' },
  'lowest-efficiency': { type: 'string' },
  'highest-wasted-bytes': { type: 'string' },
  'highest-user-wasted-percent': { type: 'string' },
  'fail-on': { type: 'string' },
} as const;

/** --format, else github inside GitHub Actions, else human. */
function formatOf(flag: string | undefined, env: CliIo['env']): Format {
  if (flag === undefined) return env.GITHUB_ACTIONS === 'true' ? 'github' : 'human';
  const format = FORMATS.find((f) => f === flag);
  if (!format) throw new UsageError(`--format ${flag}: give ${FORMATS.join(', ')}`);
  return format;
}

/** A path as the repository names it: relative to its root, '/'-separated. */
const repoPath = (root: string, path: string) => relative(root, resolve(path)).split(sep).join('/');

/** The file's budgets, checked before anything is measured: a mistake is bad input, each on its line. */
function budgetsOf(path: string): LineBudget[] {
  const { budgets, mistakes } = lineBudgets(readDockerfile(path).model);
  if (mistakes.length)
    throw new UsageError(
      mistakes.map((m) => `${path}:${String(m.line)}: # dfsize-budget: ${m.message}`).join('\ndfsize: '),
    );
  return budgets;
}

/** What the gates are checked against, from what `report` measured. */
function gateInput(m: MeasuredReport, image: ResolvedImage, budgets: readonly LineBudget[]): GateInput {
  const { model, measured, match, report } = m;
  const finalFrom = model.stages.at(-1)?.from.range.start.line;
  const lines = match ? layerLines(model, image.info, match) : null;
  const analysis = measured?.analysis ?? null;
  return {
    imageBytes: image.info.sizeBytes,
    imageLine: finalFrom === undefined ? 1 : finalFrom + 1,
    layerCount: image.info.layers.length,
    layers: analysis?.layers.map((l) => ({ bytes: l.sizeBytes, line: lines?.[l.index] ?? null })) ?? null,
    removableBytes: analysis?.removableBytes ?? null,
    dive: analysis?.dive ?? null,
    findings: report.findings,
    instructionBytes: (k) => {
      const inst = report.instructions[k];
      return inst && (inst.status === 'matched' || inst.status === 'base') ? inst.layerBytes : null;
    },
    budgets,
  };
}

function render(format: Format, outcome: CiOutcome, io: CliIo): string {
  switch (format) {
    case 'json':
      return JSON.stringify(outcome, null, 2) + '\n';
    case 'sarif':
      return renderSarif(outcome, VERSION);
    case 'github':
      return renderGithub(outcome);
    case 'gitlab':
      return renderGitlab(outcome);
    default:
      return renderCiHuman(outcome, io.isTty && !io.env.NO_COLOR ? ansi : plain);
  }
}

/** The job summary goes after what earlier steps wrote there (the file is read and written whole, never followed). */
async function appendSummary(file: string, markdown: string): Promise<void> {
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await writeFileSafely(file, before + markdown);
}

export async function ciCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length) throw new UsageError(`usage: ${CI_USAGE}`);
  const format = formatOf(values.format, io.env);
  const root = repositoryRoot(dirname(path)) ?? process.cwd();
  const file = readGateConfig(path, values.config);
  const config = applyGateFlags(file.config, values);

  const budgets = budgetsOf(path);

  // A gate is only as good as its measure: the image is always analysed, whatever its size (cached after one run).
  const measured = await measuredReport(path, values, { analyze: true, maxBytes: Number.MAX_SAFE_INTEGER }, io);
  const { image } = measured;
  if (!image) throw new UsageError('no image to gate: build it first, or name it with --image REF or --archive PATH');
  const gates = evaluateGates(config, gateInput(measured, image, budgets));
  const outcome: CiOutcome = {
    version: 1,
    dockerfile: repoPath(root, path),
    config: file.file === null ? null : repoPath(root, file.file),
    image: { ref: image.ref, id: image.info.id, sizeBytes: image.info.sizeBytes },
    status: overallStatus(gates),
    gates,
    findings: measured.report.findings,
  };

  const text = render(format, outcome, io);
  if (values.output !== undefined) {
    await writeFileSafely(values.output, text);
    // The log still says what happened: the human text, when the report went to a file.
    if (format !== 'human') io.stdout(renderCiHuman(outcome, plain));
  } else io.stdout(text);
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (format === 'github' && summary) await appendSummary(summary, renderGithubSummary(outcome));
  return outcome.status === 'fail' ? EXIT.gateFailed : EXIT.ok;
}
