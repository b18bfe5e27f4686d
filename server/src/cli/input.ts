// Reading the Dockerfile a command names, with the checks that turn bad input into a message instead of a trace.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { notRegular, OPEN_USER_FILE } from '../engine/fileChunks';
import { parseDockerfile, type DockerfileModel } from '../core/dockerfile';
import { INSTRUCTION_KEYWORDS } from '../core/instructionText';
import { UsageError } from './errors';

const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;
const READ_BYTES = 1024 * 1024;

/**
 * The bytes of a file the user named, at most `max` of them whatever its size says (/dev/zero and /proc files say 0),
 * from a regular file only: a FIFO would block the read, a device never end. `label` names it in messages
 * (`--ci-config x`), `expected` says what to name instead (`a Dockerfile`).
 */
export function readUserFile(path: string, label: string, expected: string, max: number): Buffer {
  let fd: number;
  try {
    const kind = notRegular(statSync(path));
    if (kind === 'a folder') throw new UsageError(`${label} is a folder: name ${expected} inside it`);
    if (kind) throw new UsageError(`${label} is ${kind}, not a file: name ${expected}`);
    fd = openSync(path, OPEN_USER_FILE);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${label}: no such file: name an existing ${expected.replace(/^an? /, '')}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_BYTES);
      const n = readSync(fd, chunk, 0, READ_BYTES, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > max) throw new UsageError(`${label} is more than ${max} bytes: too large to be ${expected}`);
      chunks.push(chunk.subarray(0, n));
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `${label} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): name ${expected}`,
    );
  } finally {
    closeSync(fd);
  }
}

/** `warn`: told of lines that are no Dockerfile instruction (the builder would refuse them; the report goes on). */
export function readDockerfile(
  path: string,
  warn: (line: string) => void = () => undefined,
): { text: string; model: DockerfileModel } {
  const buf = readUserFile(path, path, 'a Dockerfile', MAX_DOCKERFILE_BYTES);
  if (buf.includes(0)) throw new UsageError(`${path} is a binary file, not a Dockerfile`);
  const text = buf.toString('utf8');
  const model = parseDockerfile(text);
  if (model.failure) throw new Error(`${path} could not be modelled: ${model.failure}`);
  if (!model.stages.length) {
    throw new UsageError(
      model.instructions.length
        ? `${path} has no FROM instruction: a Dockerfile starts its first stage with FROM <image>`
        : `${path} does not look like a Dockerfile (no instructions found)`,
    );
  }
  const unknown = model.instructions.filter((i) => !INSTRUCTION_KEYWORDS.has(i.keyword));
  for (const i of unknown.slice(0, 5))
    warn(
      `dfsize: ${path}:${i.range.start.line + 1}: "${i.keyword.toLowerCase()}" is not a Dockerfile instruction (a build would stop there)\n`,
    );
  if (unknown.length > 5) warn(`dfsize: ${path}: ${unknown.length - 5} more lines that are not instructions\n`);
  return { text, model };
}

/** A CA bundle is a few certificates; the system store, a few hundred kB. */
const MAX_CA_BYTES = 4 * 1024 * 1024;

/** One `--ca-cert FILE`: PEM certificates, checked to be some before any connection is made. */
function readCaCert(file: string): string {
  const text = readUserFile(file, `--ca-cert ${file}`, 'a PEM file of CA certificates', MAX_CA_BYTES).toString('utf8');
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(
      `--ca-cert ${file} holds no PEM certificate: name the CA's certificate (-----BEGIN CERTIFICATE-----)`,
    );
  return text;
}

/** Every `--ca-cert FILE`'s PEM text, read and checked before any registry is spoken to. */
export function readCaCerts(files: readonly string[]): string[] {
  return files.map(readCaCert);
}
