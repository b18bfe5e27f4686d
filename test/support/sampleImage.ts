// An image generated in the tests with the shape of dive's public test image: a small busybox-like base, then the
// usual copy / chmod / move / delete steps that leave hidden copies of one file behind. Each step's layer holds the
// entries the legacy builder writes (parent directories included, whiteouts for deletions), so the waste, and dive's
// figures for it, follow from the steps: README_BYTES and the layers' byte counts are all a test needs to know.
// Two builds of it: the legacy builder (docker save) and kaniko (gzip layers, raw instruction text, 0001-01-01 dates).
import {
  configOf,
  dir,
  dockerArchive,
  file,
  sha256,
  tarOf,
  whiteout,
  type HistoryRow,
  type ImageSpec,
  type TarEntry,
} from './archives';

/** The file every step copies around. */
export const README_BYTES = 6600;
/** The base's one binary: almost all of the base's bytes. */
const BASE_BINARY_BYTES = 1_100_000;
const SCRIPTS = { 'tag.sh': 900, 'test.sh': 1300 } as const;

const readme = (name: string, mode = 0o644): TarEntry => ({ ...file(name, README_BYTES, 'r'), mode });
const rootDir = dir('root/');
const example = dir('root/example/');

const BASE: readonly TarEntry[] = [
  dir('bin/'),
  dir('etc/'),
  { ...rootDir, mode: 0o700 },
  { ...dir('tmp/'), mode: 0o1777 },
  dir('usr/'),
  dir('usr/bin/'),
  { ...file('bin/busybox', BASE_BINARY_BYTES, 'b'), mode: 0o755 },
  ...['sh', 'ls', 'cp', 'mv', 'rm', 'chmod', 'mkdir', 'cat'].map((a): TarEntry => ({
    name: `bin/${a}`,
    type: 'link',
    linkname: 'bin/busybox',
  })),
  { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\n' },
  { name: 'etc/group', body: 'root:x:0:\n' },
];

/** Each step of the sample Dockerfile after FROM: its line, the row the legacy builder writes, its layer. */
const STEPS: ReadonlyArray<{ line: string; legacy: string; layer: readonly TarEntry[] }> = [
  {
    line: 'ADD README.md /somefile.txt',
    legacy: `/bin/sh -c #(nop) ADD file:${sha256('README.md')} in /somefile.txt `,
    layer: [readme('somefile.txt', 0o664)],
  },
  {
    line: 'RUN mkdir -p /root/example/really/nested',
    legacy: '',
    layer: [rootDir, example, dir('root/example/really/'), dir('root/example/really/nested/')],
  },
  {
    line: 'RUN cp /somefile.txt /root/example/somefile1.txt',
    legacy: '',
    layer: [rootDir, example, readme('root/example/somefile1.txt')],
  },
  {
    line: 'RUN chmod 444 /root/example/somefile1.txt',
    legacy: '',
    layer: [rootDir, example, readme('root/example/somefile1.txt', 0o444)],
  },
  {
    line: 'RUN cp /somefile.txt /root/example/somefile2.txt',
    legacy: '',
    layer: [rootDir, example, readme('root/example/somefile2.txt')],
  },
  {
    line: 'RUN cp /somefile.txt /root/example/somefile3.txt',
    legacy: '',
    layer: [rootDir, example, readme('root/example/somefile3.txt')],
  },
  {
    line: 'RUN mv /root/example/somefile3.txt /root/saved.txt',
    legacy: '',
    layer: [rootDir, example, whiteout('root/example/somefile3.txt'), readme('root/saved.txt')],
  },
  { line: 'RUN cp /root/saved.txt /root/.saved.txt', legacy: '', layer: [rootDir, readme('root/.saved.txt')] },
  { line: 'RUN rm -rf /root/example/', legacy: '', layer: [rootDir, whiteout('root/example')] },
  {
    line: 'ADD .scripts/ /root/.data/',
    legacy: `/bin/sh -c #(nop) ADD dir:${sha256('.scripts')} in /root/.data/ `,
    layer: [
      rootDir,
      dir('root/.data/'),
      ...Object.entries(SCRIPTS).map(([n, b]) => ({ ...file(`root/.data/${n}`, b, 's'), mode: 0o755 })),
    ],
  },
  {
    line: 'RUN cp /root/saved.txt /tmp/saved.again1.txt',
    legacy: '',
    layer: [{ ...dir('tmp/'), mode: 0o1777 }, readme('tmp/saved.again1.txt')],
  },
  {
    line: 'RUN cp /root/saved.txt /root/.data/saved.again2.txt',
    legacy: '',
    layer: [rootDir, dir('root/.data/'), readme('root/.data/saved.again2.txt')],
  },
  { line: 'RUN chmod +x /root/saved.txt', legacy: '', layer: [rootDir, readme('root/saved.txt', 0o755)] },
];

/** A one-layer arm64 image of one 11000-byte file, as `COPY README.md /README.md` in BuildKit makes it. */
export const ONE_FILE: ImageSpec = {
  layers: [[file('README.md', 11000, 'm')]],
  history: ['COPY README.md /README.md # buildkit'],
  architecture: 'arm64',
};

/** The Dockerfile the sample was "built" from: 14 lines, one per layer. */
export const SAMPLE_DOCKERFILE = ['FROM busybox:latest', ...STEPS.map((s) => s.line)].join('\n') + '\n';

const baseRows: HistoryRow[] = [
  { created_by: `/bin/sh -c #(nop) ADD file:${sha256('rootfs')} in / `, created: '2024-01-01T00:00:00Z' },
  { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', created: '2024-01-01T00:00:01Z', empty_layer: true },
];

export type SampleBuilder = 'legacy' | 'kaniko';

export function sampleSpec(builder: SampleBuilder): ImageSpec {
  const rows = STEPS.map((s, i): HistoryRow =>
    builder === 'kaniko'
      ? { created_by: s.line, created: '0001-01-01T00:00:00Z', author: 'kaniko' }
      : {
          created_by: s.legacy || `/bin/sh -c ${s.line.slice('RUN '.length)}`,
          created: `2024-02-01T00:00:${String(i).padStart(2, '0')}Z`,
        },
  );
  return {
    layers: [BASE, ...STEPS.map((s) => s.layer)],
    rows: [...baseRows, ...rows],
    tag: `sample/dive-like:${builder}`,
  };
}

/** Bytes of the files in a layer, as the tar headers count them (links count 0). */
export function layerBytes(layer: readonly TarEntry[]): number {
  return layer.reduce((n, e) => n + (e.body?.length ?? 0), 0);
}

export interface Sample {
  spec: ImageSpec;
  archive: Buffer;
  /** The image id: sha256 of the config. */
  id: string;
  /** Σ bytes of every layer, of the base layer, of the layers above it. */
  sizeBytes: number;
  baseBytes: number;
  userBytes: number;
}

export async function sampleImage(builder: SampleBuilder): Promise<Sample> {
  const spec = sampleSpec(builder);
  const archive = await dockerArchive(spec, [], { gzip: builder === 'kaniko' });
  const tars = await Promise.all(spec.layers.map((l) => tarOf(l)));
  const baseBytes = layerBytes(spec.layers[0]!);
  const userBytes = spec.layers.slice(1).reduce((n, l) => n + layerBytes(l), 0);
  return {
    spec,
    archive,
    id: `sha256:${sha256(configOf(spec, tars))}`,
    sizeBytes: baseBytes + userBytes,
    baseBytes,
    userBytes,
  };
}

/**
 * dive's figures for the sample, from its steps. Copies of README in two layers: /root/example/somefile1.txt (cp,
 * chmod), /root/saved.txt (mv, chmod +x), and /root/example/somefile3.txt (cp, then a file whiteout of 0 bytes). The
 * directory whiteout of /root/example counts what it deletes: somefile1 and somefile2.
 */
export function diveFigures(s: Sample) {
  const R = README_BYTES;
  const cumulative = s.sizeBytes + 2 * R;
  const minimum = cumulative - 3 * R;
  return {
    inefficientBytes: 5 * R,
    efficiencyScore: minimum / cumulative,
    userWastedPercent: (5 * R) / s.userBytes,
    fileReference: [
      { file: '/root/saved.txt', count: 2, sizeBytes: 2 * R },
      { file: '/root/example/somefile1.txt', count: 2, sizeBytes: 2 * R },
      { file: '/root/example/somefile3.txt', count: 2, sizeBytes: R },
    ],
  };
}
