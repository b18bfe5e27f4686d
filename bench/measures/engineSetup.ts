// Images the editor benches need on the local engine: the 650-line, 50-stage Dockerfile built with BuildKit
// (labelled for its file), and, for discovery, 200 distinct local images with histories of a realistic length.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { ensureBusybox } from '../../test/support/baseImage';
import { build, dockerFor } from '../../test/support/builds';
import { largeDockerfile } from '../../test/support/largeDockerfile';

export const BENCH_DIR = join(__dirname, '..', '..', 'build', 'bench');

export async function largeWorkspace(): Promise<{ dir: string; file: string; text: string; tag: string }> {
  await ensureBusybox();
  const dir = join(BENCH_DIR, 'large');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'Dockerfile');
  const text = largeDockerfile(50, 650);
  writeFileSync(file, text);
  const tag = 'dfsize-bench/large:latest';
  await build('buildkit', dir, tag, { labels: { [LABEL_DOCKERFILE]: file } });
  return { dir, file, text, tag };
}

/** At least `count` images tagged dfsize-bench/many:N (metadata-only builds on a 10-row base: fast, distinct ids). */
export async function manyImages(count: number): Promise<void> {
  await ensureBusybox();
  const docker = dockerFor('buildkit');
  const have = new Set((await docker.listImages()).flatMap((i) => i.RepoTags ?? []));
  const dir = join(BENCH_DIR, 'many');
  mkdirSync(dir, { recursive: true });
  const base = ['FROM local/busybox:latest', ...Array.from({ length: 8 }, (_, k) => `RUN echo ${k} > /step-${k}`)].join(
    '\n',
  );
  for (let n = 0; n < count; n++) {
    if (have.has(`dfsize-bench/many:${n}`)) continue;
    writeFileSync(join(dir, 'Dockerfile'), `${base}\nLABEL bench.n="${n}"\nENV N=${n}\n`);
    await build('buildkit', dir, `dfsize-bench/many:${n}`);
  }
}
