// Reading the Dockerfile a command names, with the checks that turn bad input into a message instead of a trace.
import { readFileSync, statSync } from 'node:fs';
import { parseDockerfile, type DockerfileModel } from '../core/dockerfile';
import { UsageError } from './errors';

const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;

export function readDockerfile(path: string): { text: string; model: DockerfileModel } {
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
  if (!model.stages.length) {
    throw new UsageError(model.instructions.length
      ? `${path} has no FROM instruction: a Dockerfile starts its first stage with FROM <image>`
      : `${path} does not look like a Dockerfile (no instructions found)`);
  }
  return { text, model };
}
