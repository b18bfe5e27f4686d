// The editor's latencies, measured on the real bundled server over stdio (transport included, so an upper bound of
// the server-side figure) and on discovery in-process against the real engine.
//   hints_p95_ms             inlay hints for the unchanged 650-line, 50-stage file (history and parse cached)
//   hints_after_edit_p95_ms  the same right after a one-character edit (re-parse and re-match included)
//   discovery_cold_ms        finding the image among ≥ 200 local images with empty caches
//   discovery_warm_ms        the same answered from caches the engine's events keep fresh
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { DockerodeSource } from '../../server/src/engine/dockerode';
import { resolveEndpoint } from '../../server/src/engine/endpoint';
import { CachingSource } from '../../server/src/images/cachingSource';
import { discoverImage, ScoreCache } from '../../server/src/images/resolve';
import { LspClient } from '../../test/support/lspClient';
import { largeWorkspace, manyImages } from './engineSetup';
import { median, percentile, round, type Figure } from './types';

const RUNS = 300;

async function hintTimings(edit: boolean): Promise<{ p95: number; raw: number[] }> {
  const ws = await largeWorkspace();
  const uri = pathToFileURL(ws.file).href;
  const client = new LspClient();
  await client.initialize({ workspaceTrusted: true });
  client.open(uri, ws.text);
  const range = { start: { line: 0, character: 0 }, end: { line: 700, character: 0 } };
  const first = await client.request<unknown[]>('textDocument/inlayHint', { textDocument: { uri }, range });
  if (!first.length) throw new Error('no hints: the large image was not found');
  const raw: number[] = [];
  const lines = ws.text.split('\n');
  const line = lines.findIndex((l) => l.startsWith('RUN'));
  for (let k = 0; k < RUNS; k++) {
    if (edit) {
      // Type one character at the end of a RUN line, then take it back on the next round.
      const end = lines[line]!.length + (k % 2);
      client.notify('textDocument/didChange', {
        textDocument: { uri, version: k + 2 },
        contentChanges: [
          k % 2 === 0
            ? { range: { start: { line, character: end }, end: { line, character: end } }, text: 'x' }
            : { range: { start: { line, character: end - 1 }, end: { line, character: end } }, text: '' },
        ],
      });
    }
    const t0 = performance.now();
    await client.request('textDocument/inlayHint', { textDocument: { uri }, range });
    raw.push(performance.now() - t0);
  }
  await client.shutdown();
  return { p95: percentile(raw, 95), raw };
}

export async function hintsP95(): Promise<Figure> {
  const r = await hintTimings(false);
  return {
    value: round(r.p95),
    unit: 'ms',
    target: 5,
    raw: summary(r.raw),
    note: `${RUNS} requests, stdio round trip`,
  };
}

export async function hintsAfterEditP95(): Promise<Figure> {
  const r = await hintTimings(true);
  return {
    value: round(r.p95),
    unit: 'ms',
    target: 25,
    raw: summary(r.raw),
    note: `${RUNS} edit+request pairs, stdio round trip`,
  };
}

async function discoveryTimings(warm: boolean): Promise<{ raw: number[]; images: number }> {
  await manyImages(200);
  const ws = await largeWorkspace();
  const model = parseDockerfile(ws.text);
  const raw: number[] = [];
  const endpoint = resolveEndpoint({ env: process.env });
  let images = 0;
  const warmSource = new CachingSource(DockerodeSource.connect(endpoint, 10000));
  warmSource.watched = true;
  const scores = new ScoreCache();
  if (warm) await discoverImage(warmSource, model, null, { maxImages: 400, scores });
  for (let k = 0; k < (warm ? 50 : 5); k++) {
    const source = warm ? warmSource : new CachingSource(DockerodeSource.connect(endpoint, 10000));
    images = (await source.list()).length;
    const t0 = performance.now();
    // null path: no label or compose shortcut, so every image is matched (the worst case).
    const found = await discoverImage(source, model, null, { maxImages: 400, ...(warm ? { scores } : {}) });
    raw.push(performance.now() - t0);
    if ('none' in found) throw new Error(`discovery found nothing: ${found.none}`);
  }
  return { raw, images };
}

export async function discoveryCold(): Promise<Figure> {
  const r = await discoveryTimings(false);
  return {
    value: round(median(r.raw)),
    unit: 'ms',
    target: 500,
    raw: r.raw.map(round),
    note: `${r.images} local images, empty cache (list excluded), median of ${r.raw.length}`,
  };
}

export async function discoveryWarm(): Promise<Figure> {
  const r = await discoveryTimings(true);
  return {
    value: round(median(r.raw)),
    unit: 'ms',
    target: 5,
    raw: summary(r.raw),
    note: `${r.images} local images, caches warm, median of ${r.raw.length}`,
  };
}

function summary(raw: number[]): Record<string, number> {
  return {
    n: raw.length,
    min: round(Math.min(...raw)),
    median: round(median(raw)),
    p95: round(percentile(raw, 95)),
    max: round(Math.max(...raw)),
  };
}
