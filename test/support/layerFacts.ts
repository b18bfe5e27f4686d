// A deliberately small reader of an image's layers for the rule engine tests: what each layer adds under a path,
// and which files a later layer deletes (whiteouts). Independent of server/src/analysis, so that the rules are
// checked against the image itself rather than against the product's own analyser.
import { extract } from 'tar-stream';
import type { ImageAnalysis, LayerContents, WasteItem } from '../../server/src/core/analysis';
import { dockerFor } from './builds';

interface Layer {
  files: Map<string, number>;
  whiteouts: string[];
}

async function entries(
  stream: NodeJS.ReadableStream,
  onEntry: (name: string, size: number, type: string, body: NodeJS.ReadableStream) => Promise<void>,
): Promise<void> {
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    onEntry(h.name, h.size ?? 0, h.type ?? 'file', body as unknown as NodeJS.ReadableStream).then(() => next(), next);
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.pipe(ex);
  });
}

async function drain(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readLayer(body: NodeJS.ReadableStream): Promise<Layer> {
  const layer: Layer = { files: new Map(), whiteouts: [] };
  await entries(body, async (name, size, type, b) => {
    const path = `/${name.replace(/^\.?\//, '').replace(/\/$/, '')}`;
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base.startsWith('.wh.')) layer.whiteouts.push(`${path.slice(0, path.lastIndexOf('/'))}/${base.slice(4)}`);
    else if (type === 'file' || type === 'contiguous-file') layer.files.set(path, size);
    b.resume();
    await new Promise((r) => b.on('end', r));
  });
  return layer;
}

/** The layers of a local image (docker save of dockerd), bottom first. */
export async function readLayers(ref: string): Promise<Layer[]> {
  const tar = await dockerFor('legacy').getImage(ref).get();
  const blobs = new Map<string, Layer>();
  let manifest: Array<{ Layers: string[] }> = [];
  await entries(tar, async (name, _size, _type, body) => {
    if (name === 'manifest.json') manifest = JSON.parse((await drain(body)).toString('utf8'));
    else if (name.endsWith('.tar') || name.startsWith('blobs/')) blobs.set(name, await readLayer(body));
    else body.resume();
  });
  return manifest[0]!.Layers.map((l) => blobs.get(l) ?? { files: new Map(), whiteouts: [] });
}

export function contentsOf(layers: Layer[]): LayerContents {
  return {
    addedUnder: (layer, prefix) => {
      let n = 0;
      for (const [p, s] of layers[layer]?.files ?? [])
        if (prefix === '/' || p === prefix || p.startsWith(`${prefix}/`)) n += s;
      return n;
    },
  };
}

/** Deleted files attributed to the layer that added them and the one that deleted them (what the rules read). */
export function analysisOf(imageId: string, layers: Layer[]): ImageAnalysis {
  const attribution: WasteItem[] = [];
  layers.forEach((l, removedLayer) => {
    for (const gone of l.whiteouts) {
      for (let addedLayer = 0; addedLayer < removedLayer; addedLayer++) {
        for (const [p, bytes] of layers[addedLayer]!.files) {
          if (p === gone || p.startsWith(`${gone}/`))
            attribution.push({ path: p, bytes, kind: 'deleted', addedLayer, removedLayer });
        }
      }
    }
  });
  const removableBytes = attribution.reduce((s, w) => s + w.bytes, 0);
  return {
    version: 0,
    imageId,
    removableBytes,
    layers: [],
    attribution,
    dive: {
      efficiencyScore: 0,
      inefficientBytes: 0,
      sizeBytes: 0,
      userSizeBytes: 0,
      userWastedPercent: 0,
      fileReference: [],
    },
  };
}
