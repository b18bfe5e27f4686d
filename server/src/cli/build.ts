// `dfsize build <Dockerfile> [--context DIR] [--tag T] [--builder buildkit|legacy] [--target STAGE] [--json]`:
// builds through the engine's API (the same build service as the editor's Build Image: no docker CLI, no shell),
// the log on stderr, then each line's build time on stdout; the timings are kept for `dfsize report` and the editor.
// The user runs it, so no workspace trust applies; what they typed reaches the engine only as API parameters.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILDER_CHOICES, buildTarget, chooseBuilder, targetLabel } from '../builds/buildTarget';
import { formatDuration } from '../core/format';
import { referenceProblem } from '../engine/source';
import { LABEL_DOCKERFILE, LABEL_STAGE } from '../images/resolve';
import { UsageError } from './errors';
import { readDockerfile } from './input';
import { connectEngine } from './measure';
import type { CliIo } from './report';
import { BUILD_USAGE } from './usage';
import { PreviousBuilds } from '../state/previousBuilds';

function builderOf(value: string | undefined): (typeof BUILDER_CHOICES)[number] {
  const b = BUILDER_CHOICES.find((x) => x === (value ?? 'auto'));
  if (!b) throw new UsageError(`--builder ${value ?? ''}: say buildkit or legacy`);
  return b;
}

/** The tag when none is given: the context folder's name, as a reference allows it. */
function defaultTag(contextDir: string): string {
  const name = (contextDir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'image')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-');
  return `${name.replace(/^[^a-z0-9]+/, '') || 'image'}:latest`;
}

export async function buildCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      context: { type: 'string' },
      tag: { type: 'string' },
      builder: { type: 'string' },
      target: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${BUILD_USAGE}`);
  const path = resolve(positionals[0] ?? '');
  const { model } = readDockerfile(path, io.stderr);
  const contextDir = resolve(values.context ?? dirname(path));
  const tag = values.tag ?? defaultTag(contextDir);
  const problem = referenceProblem(tag);
  if (problem) throw new UsageError(`--tag ${problem}`);
  const choice = builderOf(values.builder);
  const engine = await connectEngine(io.env);
  const builder = chooseBuilder(choice, await engine.version());
  const target = values.target ?? null;
  const result = await buildTarget(
    engine,
    {
      contextDir,
      dockerfile: path,
      tag,
      buildArgs: {},
      labels: { [LABEL_DOCKERFILE]: path, [LABEL_STAGE]: targetLabel(model, target) },
      target,
      platform: null,
      builder,
    },
    {
      onLog: (line) => {
        io.stderr(`${line}\n`);
      },
      onProgress: () => undefined,
    },
    new AbortController().signal,
  );
  await PreviousBuilds.inCliCache(io.env, (m) => {
    io.stderr(`dfsize: ${m}\n`);
  }).recordTiming(result.imageId, result.timing);
  const rows = model.instructions.flatMap((inst) => {
    const t = result.timing.lines.get(inst.range.start.line + 1);
    return t ? [{ line: inst.range.start.line + 1, keyword: inst.keyword, buildMs: t.ms, cached: t.cached }] : [];
  });
  if (values.json) {
    const { imageId } = result;
    io.stdout(JSON.stringify({ imageId, tag, builder, instructions: rows }, null, 2) + '\n');
  } else {
    io.stdout(`built ${result.imageId} as ${tag} with ${builder === 'buildkit' ? 'BuildKit' : 'the legacy builder'}\n`);
    for (const r of rows)
      io.stdout(
        `${String(r.line).padStart(4)}  ${r.keyword.padEnd(7)} ${r.cached ? 'from cache' : formatDuration(r.buildMs)}\n`,
      );
  }
  return 0;
}
