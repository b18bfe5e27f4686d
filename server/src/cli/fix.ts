// `dfsize fix <Dockerfile> [--image REF | --archive PATH] [--write] [--only CODE,…]`: the preferred quick fix of
// every fixable finding, applied one at a time with a re-parse between (the same edits the editor offers). Prints
// a unified diff of every file it would change, or writes them with --write.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { fixAll, RULE_CODES } from '../core/rules/index';
import { checkWritable, writeFileSafely } from '../files/safeWrite';
import { ruleFailureLines, UsageError } from './errors';
import { IMAGE_OPTIONS, oneImage, resolveCliImage } from './image';
import { measure, MEASURE_OPTIONS, measurePolicy } from './measure';
import { readDockerfile } from './input';
import type { CliIo } from './report';
import { baseSizeWarnings, contextFactory, gatherInputs, minBytesOf } from '../findings/ruleInputs';
import { FIX_USAGE } from './usage';

export { FIX_USAGE };

function onlyCodes(list: string | undefined): ReadonlySet<string> | undefined {
  if (list === undefined) return undefined;
  const codes = list
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const unknown = codes.filter((c) => !RULE_CODES.includes(c));
  if (!codes.length || unknown.length) {
    throw new UsageError(
      `--only ${unknown.length ? `names unknown rules (${unknown.join(', ')})` : 'names no rule'}: the codes are ${RULE_CODES.join(', ')}`,
    );
  }
  return new Set(codes);
}

export async function fixCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...IMAGE_OPTIONS,
      ...MEASURE_OPTIONS,
      write: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const policy = measurePolicy(values, io.env);
  if (positionals.length !== 1) throw new UsageError(`usage: ${FIX_USAGE}`);
  oneImage(values);
  const only = onlyCodes(values.only);
  const path = positionals[0]!;
  const { text, model } = readDockerfile(path, io.stderr);
  const { image, source } = await resolveCliImage(values, model, path, io);
  // The same measured facts as `dfsize report` (cached, or analysed now): the same decisions (apt-get clean, joins).
  const measured = await measure(image, { engine: source, archive: values.archive }, policy, io);
  const makeContext = contextFactory(
    await gatherInputs(path, model, source, io.env, baseSizeWarnings(io.env, values.verbose, io.stderr)),
    image,
    measured,
    minBytesOf(io.env),
  );
  const result = fixAll(text, makeContext, only ? { only } : {});

  io.stderr(ruleFailureLines(result.failures, values.verbose));
  const others = result.files.map((f) => {
    const file = join(dirname(path), f.path);
    for (const name of f.omitted ?? [])
      io.stderr(
        `dfsize: ${JSON.stringify(name)} is left out of ${file}: a line break in a name cannot be written there; rename or move it\n`,
      );
    return {
      file,
      before: values.write ? null : existsSync(file) ? readFileSync(file, 'utf8') : null,
      after: f.content,
    };
  });
  if (values.write) {
    const writes = [...(result.text !== text ? [{ file: path, after: result.text }] : []), ...others];
    // Every target is checked before any is written: a refused link leaves every file as it was.
    for (const w of writes) await checkWritable(w.file);
    for (const w of writes) await writeFileSafely(w.file, w.after);
    const what = result.applied.map((a) => `${a.code} (line ${a.line})`).join(', ');
    io.stdout(result.applied.length ? `dfsize: fixed ${result.applied.length}: ${what}\n` : 'dfsize: nothing to fix\n');
    return 0;
  }
  let out = '';
  if (result.text !== text) out += createTwoFilesPatch(path, path, text, result.text);
  for (const o of others)
    out += createTwoFilesPatch(o.before === null ? '/dev/null' : o.file, o.file, o.before ?? '', o.after);
  io.stdout(out);
  if (!result.applied.length) io.stderr(`dfsize: nothing to fix${only ? ` (among ${[...only].join(', ')})` : ''}\n`);
  if (result.applied.length)
    io.stderr(
      `dfsize: ${result.applied.length} fix${result.applied.length > 1 ? 'es' : ''}: ${result.applied.map((a) => a.code).join(', ')} (--write applies them)\n`,
    );
  return 0;
}
