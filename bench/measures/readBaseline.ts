// The baseline of archive_ratio_vs_read: the least any analysis of an archive file must do — read the file and
// decompress its layer blobs (finding them means walking the outer tar) — with the same Node, the same reads (1 MiB,
// read ahead), the same tar reader and decompressors and the same bundling as the CLI, so that the ratio is the
// analysis' own cost (reading each layer's tar, the figures, the output). Usage: node readBaseline.js FILE
import { open } from 'node:fs/promises';
import { fileChunks } from '../../server/src/engine/fileChunks';
import { inflater, type Inflater } from '../../server/src/engine/inflate';
import type { TarBody } from '../../server/src/engine/tarFormat';
import { TarReader } from '../../server/src/engine/tarReader';

async function main(file: string): Promise<void> {
  let raw = 0;
  let out = 0;
  const sink = {
    write: (d: Buffer) => {
      out += d.length;
      return true;
    },
    drained: () => Promise.resolve(),
  };
  const reader = new TarReader((h) => {
    if (h.type !== 'file') return null;
    let z: Inflater | null = null;
    let first = true;
    const body: TarBody = {
      data(chunk) {
        raw += chunk.length;
        if (first) {
          first = false;
          if (chunk[0] === 0x1f && chunk[1] === 0x8b) z = inflater('gzip', sink);
          else if (chunk[0] === 0x28 && chunk[1] === 0xb5) z = inflater('zstd', sink);
        }
        return z ? z.write(chunk) : undefined;
      },
      end() {
        return z ? z.end() : undefined;
      },
    };
    return body;
  });
  const fh = await open(file, 'r');
  for await (const chunk of fileChunks(fh, (await fh.stat()).size)) {
    const r = reader.write(chunk);
    if (r) await r;
  }
  reader.end();
  await fh.close();
  process.stdout.write(`${raw} ${out}\n`);
}

main(process.argv[2]!).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
