// Many images newer than a suite's own, made cheaply: `docker import` of a one-file tar through the Engine API. Each
// import is a new image with its own creation date (tagging one image many times would make none). Removed by tag.
import { Readable } from 'node:stream';
import { tarOf } from './archives';
import { dockerFor, removeImages } from './builds';

/** Imports `count` images as `repo:0` … `repo:<count-1>`, a few at a time; how long it took, for the suite to print. */
export async function importFillers(
  repo: string,
  count: number,
  parallel = 4,
): Promise<{ refs: string[]; ms: number }> {
  const docker = dockerFor('legacy');
  const started = performance.now();
  const refs = Array.from({ length: count }, (_, k) => `${repo}:${k}`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const k = next++;
      const tar = await tarOf([{ name: `filler-${k}`, body: `${repo} ${k}\n` }]);
      const stream = await docker.importImage(Readable.from(tar), { repo, tag: String(k) });
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())),
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { refs, ms: performance.now() - started };
}

/** Removes them again; how long it took. */
export async function removeFillers(refs: readonly string[]): Promise<number> {
  const started = performance.now();
  await removeImages(refs);
  return performance.now() - started;
}
