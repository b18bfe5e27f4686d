// What hashing each registry layer against its diffID costs: the registry read of `analyze` (manifest, config, every
// layer blob through the archive reader, each entry into its layer list) with and without the diffID hash, the same
// bundled code as the CLI's. Prints the milliseconds. Usage: node registryRead.js HOST REPO TAG 0|1
import { readArchive } from '../../server/src/engine/archive';
import { LayerListBuilder } from '../../server/src/analysis/entries';
import { RegistryClient } from '../../server/src/registry/client';
import { fetchConfig, registryArchive, resolveRegistryImage } from '../../server/src/registry/image';

async function main(host: string, repo: string, tag: string, verify: boolean): Promise<void> {
  const t0 = process.hrtime.bigint();
  const client = new RegistryClient(host, { env: process.env });
  const image = await resolveRegistryImage(client, repo, tag);
  const config = await fetchConfig(client, image);
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

const [host, repo, tag, verify] = process.argv.slice(2);
if (!host || !repo || !tag) throw new Error('usage: node registryRead.js HOST REPO TAG 0|1');
main(host, repo, tag, verify === '1').catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
