// What hashing each registry layer against its diffID costs: the registry read of `analyze` (manifest, config, every
// layer blob through the archive reader, each entry into its layer list) with (1) and without (0) the diffID hash, the
// same bundled code as the CLI's; and `floor`: the same blobs fetched by the same client and only gunzipped, the least
// any analysis must do. Prints the milliseconds. Usage: node registryRead.js HOST REPO TAG 0|1|floor
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { readArchive } from '../../server/src/engine/archive';
import { LayerListBuilder } from '../../server/src/analysis/entries';
import { RegistryClient } from '../../server/src/registry/client';
import {
  fetchConfig,
  registryArchive,
  resolveRegistryImage,
  type RegistryImage,
} from '../../server/src/registry/image';

/** Every layer blob fetched and gunzipped, the output dropped. */
async function floor(client: RegistryClient, image: RegistryImage): Promise<number> {
  for (const l of image.layers) {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await pipeline(Readable.from(client.blob(image.repo, l.digest, l.size)), createGunzip(), sink);
  }
  return image.layers.length;
}

async function main(host: string, repo: string, tag: string, mode: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const client = new RegistryClient(host, { env: process.env });
  const image = await resolveRegistryImage(client, repo, tag);
  const config = await fetchConfig(client, image);
  if (mode === 'floor') {
    const layers = await floor(client, image);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(`${JSON.stringify({ ms, bytes: client.bytesReceived, layers })}\n`);
    return;
  }
  const verify = mode === '1';
  let failure: unknown = null;
  const tar = registryArchive(client, image, config, image.layers, (e) => (failure ??= e));
  const lists = new Map<string, LayerListBuilder>();
  const read = await readArchive(tar, {
    verifyLayers: verify,
    onEntry: (blob, e) => {
      let b = lists.get(blob);
      if (!b) lists.set(blob, (b = new LayerListBuilder()));
      b.add(e);
    },
  }).catch((e: unknown) => {
    throw failure ?? e;
  });
  for (const l of read.layers) (lists.get(l.blob) ?? new LayerListBuilder()).finish(l.stats);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${JSON.stringify({ ms, bytes: client.bytesReceived, layers: read.layers.length })}\n`);
}

const [host, repo, tag, mode] = process.argv.slice(2);
if (!host || !repo || !tag || !mode) throw new Error('usage: node registryRead.js HOST REPO TAG 0|1|floor');
main(host, repo, tag, mode).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
