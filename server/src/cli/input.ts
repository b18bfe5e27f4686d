// Reading the Dockerfile a command names, with the checks that turn bad input into a message instead of a trace.
import { readFileSync, statSync } from 'node:fs';
import { parseDockerfile, type DockerfileModel } from '../core/dockerfile';
import { UsageError } from './errors';

const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;

const KEYWORDS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER',
  'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** `warn`: told of lines that are no Dockerfile instruction (the builder would refuse them; the report goes on). */
export function readDockerfile(path: string, warn: (line: string) => void = () => undefined): { text: string; model: DockerfileModel } {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path} is a folder: name the Dockerfile inside it (for example ${path.replace(/\/$/, '')}/Dockerfile)`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: no such file: name an existing Dockerfile`);
  }
  if (size > MAX_DOCKERFILE_BYTES) throw new UsageError(`${path} is ${size} bytes: too large to be a Dockerfile`);
  const buf = readFileSync(path);
  if (buf.includes(0)) throw new UsageError(`${path} is a binary file, not a Dockerfile`);
  const text = buf.toString('utf8');
  const model = parseDockerfile(text);
  if (model.failure) throw new Error(`${path} could not be modelled: ${model.failure}`);
  if (!model.stages.length) {
    throw new UsageError(model.instructions.length
      ? `${path} has no FROM instruction: a Dockerfile starts its first stage with FROM <image>`
      : `${path} does not look like a Dockerfile (no instructions found)`);
  }
  const unknown = model.instructions.filter((i) => !KEYWORDS.has(i.keyword));
  for (const i of unknown.slice(0, 5)) warn(`dfsize: ${path}:${i.range.start.line + 1}: "${i.keyword.toLowerCase()}" is not a Dockerfile instruction (a build would stop there)\n`);
  if (unknown.length > 5) warn(`dfsize: ${path}: ${unknown.length - 5} more lines that are not instructions\n`);
  return { text, model };
}
