// explorer_open_ms: the server's answer to the layer explorer's request for the top level of a layer holding
// 100,000 files (the analysis done and cached: what a user waits for when expanding the layer). Target ≤ 300 ms.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import type { LayerNode, LayersResult } from '../../server/src/protocol';
import { ensureBusybox } from '../../test/support/baseImage';
import { build } from '../../test/support/builds';
import { LspClient } from '../../test/support/lspClient';
import { BENCH_DIR } from './engineSetup';
import { median, type Figure } from './types';

const FILES = 100_000;
// Files spread over 100 folders, as a node_modules or a site-packages would be.
const DOCKERFILE = `FROM local/busybox:latest\nRUN for d in $(seq 1 100); do mkdir -p /data/d$d && cd /data/d$d && seq 1 ${FILES / 100} | xargs touch; done\n`;

export async function explorerOpen(): Promise<Figure> {
  await ensureBusybox();
  const dir = join(BENCH_DIR, 'explorer');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'Dockerfile');
  const uri = pathToFileURL(file).href;
  writeFileSync(file, DOCKERFILE);
  await build('buildkit', dir, 'dfsize-bench/explorer:latest', { labels: { [LABEL_DOCKERFILE]: file } });
  const raw: number[] = [];
  for (let run = 0; run < 3; run++) {
    const client = new LspClient();
    const storageDir =
      run === 0 ? mkdtempSync(join(tmpdir(), 'dfsize-bench-storage-')) : join(BENCH_DIR, 'explorer-storage');
    await client.initialize({ workspaceTrusted: true, storageDir });
    client.open(uri, DOCKERFILE);
    await client.waitFor('$/progress', (p) => (p as { value: { kind: string } }).value.kind === 'end');
    const layers = await client.request<LayersResult>('dfsize/layers', { uri, parent: 'image' });
    const big = layers.nodes.find((n: LayerNode) => n.kind === 'layer' && n.label.startsWith('RUN'))!;
    const t0 = performance.now();
    const top = await client.request<LayersResult>('dfsize/layers', { uri, parent: big.id });
    raw.push(performance.now() - t0);
    if (!top.nodes.some((n) => n.label === 'data'))
      throw new Error(`the layer's top level has no /data: ${JSON.stringify(top).slice(0, 300)}`);
    await client.shutdown();
  }
  return {
    value: Math.round(median(raw) * 10) / 10,
    unit: 'ms',
    target: 300,
    raw: raw.map((x) => Math.round(x * 10) / 10),
    note: `${FILES} files in one layer; first listing after the analysis, stdio round trip`,
  };
}
