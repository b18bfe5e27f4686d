// Archives that are hostile, broken or unusual: every one ends in one ArchiveFormatError line (or reads correctly),
// never a crash, a hang or a partial result. Nested and multi-platform indexes, docker save's linked layers,
// digests and descriptor sizes, media types, bombs, hostile names, truncation, cancellation.
import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import {
  AbortedError,
  ArchiveFormatError,
  hostPlatform,
  readArchive,
  type ReadOptions,
} from '../../server/src/engine/archive';
import { inflater } from '../../server/src/engine/inflate';
import { DEFAULT_LIMITS } from '../../server/src/engine/layerScan';
import {
  chunked,
  dir,
  dockerArchive,
  file,
  ociArchive,
  rawHeader,
  sha256,
  tarOf,
  withLayer,
  type ImageSpec,
  type TarEntry,
} from '../support/archives';

const SIMPLE: ImageSpec = { layers: [[dir('etc/'), file('etc/a', 10)], [file('etc/b', 20)]] };

async function fails(buf: Buffer, re: RegExp, opts: ReadOptions = {}): Promise<void> {
  await assert.rejects(readArchive(chunked(buf, 4096), opts), (e: unknown) => {
    assert.ok(e instanceof ArchiveFormatError, `not an ArchiveFormatError: ${(e as Error).stack}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

/**
 * A zstd frame, written by hand (no zstd encoder in Node 20): a raw block with `head`, then `zeros` zero bytes as
 * run-length blocks — 4 bytes each for 128 KiB, the most a zstd stream can expand.
 */
function zstdRle(head: Buffer, zeros: number): Buffer {
  const block = (last: boolean, type: number, size: number) => {
    const v = (size << 3) | (type << 1) | (last ? 1 : 0);
    return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
  };
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), block(zeros === 0, 0, head.length), head];
  for (let left = zeros; left > 0;) {
    const n = Math.min(left, 128 * 1024);
    left -= n;
    parts.push(block(left === 0, 1, n), Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

describe('archive hardening: shapes that must read', () => {
  it('docker save, OCI with and without manifest.json, gzip layers and a nested index all give the same image', async () => {
    const shapes = [
      await dockerArchive(SIMPLE),
      await ociArchive(SIMPLE),
      await ociArchive(SIMPLE, { manifestJson: true }),
      await ociArchive(SIMPLE, { compression: 'gzip' }),
      await ociArchive(SIMPLE, { nested: ['linux/amd64'] }),
    ];
    const results = await Promise.all(
      shapes.map(async (b) => {
        const a = await readArchive(chunked(b));
        return {
          id: a.configDigest,
          diffIds: a.layers.map((l) => l.diffId),
          sizes: a.layers.map((l) => l.stats.sizeBytes),
          entries: a.layers.map((l) => l.stats.entries),
        };
      }),
    );
    for (const r of results) assert.deepEqual(r, results[0]);
    assert.deepEqual(results[0]!.sizes, [10, 20]);
  });

  it("a multi-platform nested index: this machine's image, said so; another one on request; none: one line", async () => {
    const host = hostPlatform();
    const other = host === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64';
    const multi = await ociArchive(SIMPLE, { nested: [other, host] });
    const a = await readArchive(chunked(multi));
    assert.equal(a.platform, host);
    assert.deepEqual([...a.platforms].sort(), [host, other].sort());
    assert.match(a.note!, new RegExp(`reading ${host} \\(this machine's\\)`));
    assert.equal((await readArchive(chunked(multi), { platform: other })).platform, other);
    await fails(multi, /no image for platform linux\/s390x .*has/, { platform: 'linux/s390x' });
    await fails(
      await ociArchive(SIMPLE, { nested: ['linux/s390x', 'linux/ppc64le'] }),
      /none for this machine .*--platform/,
    );
  });

  it("docker save's linked layer.tar (a layer it already wrote) is followed", async () => {
    const layer = await tarOf([file('x', 5)]);
    const config = Buffer.from(
      JSON.stringify({
        rootfs: { diff_ids: [`sha256:${sha256(layer)}`, `sha256:${sha256(layer)}`] },
        history: [{}, {}],
      }),
    );
    const cfg = `${sha256(config)}.json`;
    const buf = await tarOf([
      { name: cfg, body: config },
      { name: 'a/layer.tar', body: layer },
      { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
      { name: 'manifest.json', body: JSON.stringify([{ Config: cfg, Layers: ['a/layer.tar', 'b/layer.tar'] }]) },
    ]);
    const a = await readArchive(chunked(buf));
    assert.deepEqual(
      a.layers.map((l) => l.blob),
      ['a/layer.tar', 'a/layer.tar'],
    );
  });

  it('absolute names are rooted at the image root, as Docker unpacks them; `..` inside the root is resolved', async () => {
    const seen: string[] = [];
    await readArchive(chunked(await withLayer(await tarOf([file('/etc/abs', 3), file('./a/../b', 4)]))), {
      onEntry: (_, e) => seen.push(e.path),
    });
    assert.deepEqual(seen, ['/etc/abs', '/b']);
  });
});

describe('archive hardening: one line for every fault', () => {
  const cases: Array<[string, () => Promise<Buffer>, RegExp, ReadOptions?]> = [
    ['no manifest.json and no index.json', () => tarOf([file('x', 3)]), /neither manifest\.json nor index\.json/],
    [
      'a layer named by the manifest is missing',
      async () => {
        const config = Buffer.from(JSON.stringify({ rootfs: { diff_ids: ['sha256:00'] }, history: [{}] }));
        const cfg = `${sha256(config)}.json`;
        return tarOf([
          { name: cfg, body: config },
          { name: 'manifest.json', body: JSON.stringify([{ Config: cfg, Layers: ['gone/layer.tar'] }]) },
        ]);
      },
      /layer 1 \(gone\/layer\.tar\) is missing from the archive/,
    ],
    ['an empty file where the archive should be', async () => Buffer.alloc(0), /the archive is empty/],
    [
      'an entry of a layer climbs out of the root',
      async () => withLayer(await tarOf([file('../../etc/passwd', 3)])),
      /climbs out of the image root/,
    ],
    [
      'an entry climbs out of the root behind a newline',
      async () => withLayer(await tarOf([file('a\n/../../etc/passwd', 3)])),
      /climbs out of the image root/,
    ],
    [
      'a NUL byte in a name (PAX path)',
      async () => withLayer(await tarOf([{ name: 'x', pax: { path: 'a\0b' }, body: 'hi' }])),
      /NUL byte/,
    ],
    [
      'an entry claiming a terabyte',
      async () => withLayer(Buffer.concat([rawHeader('huge', 2 ** 40), Buffer.alloc(1024)])),
      /^the entry huge claims 1099511627776 bytes .*bomb/,
    ],
    [
      'an entry claiming a terabyte through its PAX size (refused before its body)',
      async () => withLayer(await tarOf([{ name: 'p', pax: { size: String(2 ** 40) }, body: 'hi' }])),
      /^the entry p claims 1099511627776 bytes .*bomb/,
    ],
    [
      'a symlink whose header claims a body (Go reads none, tar-stream would read one)',
      async () => withLayer(Buffer.concat([rawHeader('ln', 100, '2'), Buffer.alloc(1536)])),
      /layer 1 \(l\/layer\.tar\) is not a readable layer \(the symlink "ln" claims a body of 100 bytes/,
    ],
    [
      'more entries than the cap',
      async () => withLayer(await tarOf(Array.from({ length: 30 }, (_, i) => file(`f${i}`, 1)))),
      /more than 10 entries/,
      { limits: { ...DEFAULT_LIMITS, maxEntries: 10 } },
    ],
    [
      'more entries in the image than the cap',
      () =>
        dockerArchive({
          layers: [
            [file('a', 1), file('b', 1)],
            [file('c', 1), file('d', 1)],
          ],
        }),
      /image holds more than 3 entries/,
      { limits: { ...DEFAULT_LIMITS, maxTotalEntries: 3 } },
    ],
    [
      'a decompression bomb',
      async () => {
        const layer = gzipSync(await tarOf(Array.from({ length: 8 }, (_, i) => file(`zeros${i}`, 512 * 1024, '\0'))));
        return withLayer(layer);
      },
      /expands past 1048576 bytes/,
      { limits: { ...DEFAULT_LIMITS, maxBytes: 1024 * 1024 } },
    ],
    [
      'a truncated gzip layer',
      async () => {
        const layer = gzipSync(await tarOf([file('a', 100000, 'q'), file('b', 100000, 'r')]));
        return withLayer(layer.subarray(0, layer.length >> 1));
      },
      /layer 1 \(l\/layer\.tar\) is not a readable layer \(unexpected end of file\)/,
    ],
    [
      'a corrupt tar header inside a layer',
      async () => {
        const layer = await tarOf([file('a', 10)]);
        layer[10] = (layer[10] ?? 0) ^ 0xff;
        return withLayer(layer);
      },
      /is not a readable layer \(a tar header is corrupt/,
    ],
    [
      'a config that does not match its digest',
      async () => {
        const b = await ociArchive(SIMPLE);
        const i = b.indexOf('"diff_ids"');
        b[i + 1] = 'D'.charCodeAt(0);
        return b;
      },
      /does not match its digest/,
    ],
    [
      'a layer that does not match its diffID (verifyLayers)',
      async () => {
        const layer = await tarOf([file('a', 10)]);
        const config = Buffer.from(
          JSON.stringify({ rootfs: { diff_ids: [`sha256:${sha256('other')}`] }, history: [{}] }),
        );
        const cfg = `${sha256(config)}.json`;
        return tarOf([
          { name: cfg, body: config },
          { name: 'l/layer.tar', body: layer },
          { name: 'manifest.json', body: JSON.stringify([{ Config: cfg, Layers: ['l/layer.tar'] }]) },
        ]);
      },
      /does not match its diffID/,
      { verifyLayers: true },
    ],
    [
      'an unknown layer media type',
      async () =>
        ociWith((m) => {
          m.layers[0]!.mediaType = 'application/vnd.example.thing.v1';
        }),
      /media type application\/vnd\.example\.thing\.v1, which is not an image layer/,
    ],
    [
      'a descriptor size that is wrong',
      async () =>
        ociWith((m) => {
          m.layers[0]!.size += 1;
        }),
      /bytes but its manifest says/,
    ],
    [
      'a config of another kind (an artifact)',
      async () =>
        ociWith((m) => {
          m.config.mediaType = 'application/vnd.cncf.helm.config.v1+json';
        }),
      /not a container image \(its config is application\/vnd\.cncf\.helm\.config/,
    ],
    ['a truncated archive file', async () => (await dockerArchive(SIMPLE)).subarray(0, 3000), /truncated/],
    // A layer tar that ends inside an entry nobody reads (tar-stream destroys the entry's stream with its error).
    [
      'a plain layer cut inside a file',
      async () => withLayer((await tarOf([file('a', 200_000, 'a'), file('b', 300_000, 'b')])).subarray(0, 100_000)),
      /^layer 1 \(l\/layer\.tar\) is not a readable layer \(the layer is truncated\)$/,
    ],
    [
      'a gzip layer whose entry claims 60 GB and ends after 4 KiB',
      async () => withLayer(gzipSync(Buffer.concat([rawHeader('x', 60 * 1024 ** 3), Buffer.alloc(4096)]))),
      /^layer 1 \(l\/layer\.tar\) is not a readable layer \(the layer is truncated\)$/,
    ],
    [
      'a manifest.json of [null]',
      async () => withLayer(await tarOf([file('a', 1)]), {}, () => [null]),
      /^manifest\.json entry 1 is not a JSON object/,
    ],
    [
      'a manifest.json whose RepoTags hold a number',
      async () =>
        withLayer(await tarOf([file('a', 1)]), {}, (cfg) => [{ Config: cfg, RepoTags: [7], Layers: ['l/layer.tar'] }]),
      /RepoTags\[0\] is a number, not a string/,
    ],
    [
      'a history that is a string',
      async () => withLayer(await tarOf([file('a', 1)]), { history: 'RUN x' }),
      /history is not a JSON array/,
    ],
    [
      'a history with a null row',
      async () => withLayer(await tarOf([file('a', 1)]), { history: [null] }),
      /history row 1 is not a JSON object/,
    ],
    [
      'a numeric created_by',
      async () => withLayer(await tarOf([file('a', 1)]), { history: [{ created_by: 42 }] }),
      /created_by is a number, not a string/,
    ],
    [
      'numeric diff_ids',
      async () => withLayer(await tarOf([file('a', 1)]), { rootfs: { diff_ids: [1] } }),
      /rootfs\.diff_ids\[0\] is a number, not a string/,
    ],
    [
      'a label whose value is not a string',
      async () => withLayer(await tarOf([file('a', 1)]), { config: { Labels: { a: { b: 1 } } } }),
      /the label "a" is a object, not a string/,
    ],
    [
      'an OCI index fanned out 8 deep, 6 wide (1.7 million candidates from a few KB)',
      fanOut,
      /index\.json lists more than 4096 manifests/,
    ],
    [
      'a manifest.json that is not JSON, no index.json',
      () => tarOf([{ name: 'manifest.json', body: '[{"Config": ' }]),
      /manifest\.json is not valid JSON/,
    ],
  ];
  for (const [what, make, re, opts] of cases) {
    it(what, async () => fails(await make(), re, opts));
  }

  it('the same layer without verifyLayers reads (the check costs a hash of every byte)', async () => {
    const layer = await tarOf([file('a', 10)]);
    const config = Buffer.from(JSON.stringify({ rootfs: { diff_ids: [`sha256:${sha256('other')}`] }, history: [{}] }));
    const cfg = `${sha256(config)}.json`;
    const buf = await tarOf([
      { name: cfg, body: config },
      { name: 'l/layer.tar', body: layer },
      { name: 'manifest.json', body: JSON.stringify([{ Config: cfg, Layers: ['l/layer.tar'] }]) },
    ]);
    assert.equal((await readArchive(chunked(buf))).layers.length, 1);
  });

  it('a zstd layer of run-length blocks reads, and what waits for the tar reader stays bounded', async () => {
    const size = 64 * 1024 * 1024;
    const blob = zstdRle(rawHeader('z', size).subarray(0), size + 1024);
    assert.ok(blob.length < 4096, 'a few KiB that expand to 64 MiB');
    const seen: Array<[string, number]> = [];
    const a = await readArchive(chunked(await withLayer(blob)), { onEntry: (_, e) => seen.push([e.path, e.size]) });
    assert.deepEqual(seen, [['/z', size]]);
    assert.equal(a.layers[0]!.stats.compression, 'zstd');
    // The decompressor as the layer reader drives it: a sink that always asks to wait gets at most one slice's worth.
    let since = 0;
    let most = 0;
    let total = 0;
    const z = inflater('zstd', {
      write: (c) => {
        since += c.length;
        total += c.length;
        most = Math.max(most, since);
        return false;
      },
      drained: () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            since = 0;
            resolve();
          }),
        ),
    });
    await z.write(blob);
    await z.end();
    assert.equal(total, 512 + size + 1024);
    assert.ok(most <= 8 * 1024 * 1024 + 128 * 1024, `${most} bytes arrived before the sink could ask to wait`);
  });

  it('a gzip archive whose input fails mid-read (a read error, a cut export) is one ArchiveFormatError, not an uncaught error', async () => {
    const gz = gzipSync(await dockerArchive({ layers: [[file('a', 100_000, 'a')]] }));
    async function* failing() {
      yield gz.subarray(0, 2000);
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    await assert.rejects(
      readArchive(failing()),
      (e: unknown) => e instanceof ArchiveFormatError && /EIO: i\/o error/.test(e.message),
    );
  });

  it('a cancelled read stops with AbortedError', async () => {
    const ac = new AbortController();
    const buf = await dockerArchive({ layers: [[file('big', 1 << 20)]] });
    let n = 0;
    await assert.rejects(
      readArchive(chunked(buf, 1024), {
        signal: ac.signal,
        onBytes: () => {
          if (++n === 5) ac.abort();
        },
      }),
      AbortedError,
    );
  });
});

/** 8 nested indexes of 6 entries each over one image manifest: every level names the next six times. */
async function fanOut(): Promise<Buffer> {
  let next = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: 'sha256:' + '0'.repeat(64),
    size: 1,
    platform: { os: 'linux', architecture: 'amd64' },
  };
  const blobs: TarEntry[] = [];
  for (let level = 0; level < 8; level++) {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: Array.from({ length: 6 }, () => next),
      }),
    );
    blobs.push({ name: `blobs/sha256/${sha256(body)}`, body });
    next = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: `sha256:${sha256(body)}`,
      size: body.length,
      platform: { os: 'linux', architecture: 'amd64' },
    };
  }
  return tarOf([...blobs, { name: 'index.json', body: JSON.stringify({ schemaVersion: 2, manifests: [next] }) }]);
}

/** An OCI layout whose manifest was edited by `edit` (the manifest's digest follows, so only the edit is wrong). */
async function ociWith(
  edit: (m: { layers: Array<{ mediaType: string; size: number }>; config: { mediaType: string } }) => void,
): Promise<Buffer> {
  const tars = await Promise.all(SIMPLE.layers.map((l) => tarOf(l)));
  const config = Buffer.from(
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      rootfs: { diff_ids: tars.map((t) => `sha256:${sha256(t)}`) },
      history: [{}, {}],
    }),
  );
  const d = (mediaType: string, b: Buffer) => ({ mediaType, digest: `sha256:${sha256(b)}`, size: b.length });
  const m = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: d('application/vnd.oci.image.config.v1+json', config),
    layers: tars.map((t) => d('application/vnd.oci.image.layer.v1.tar', t)),
  };
  edit(m);
  const manifest = Buffer.from(JSON.stringify(m));
  return tarOf([
    ...[...tars, config, manifest].map((b) => ({ name: `blobs/sha256/${sha256(b)}`, body: b })),
    {
      name: 'index.json',
      body: JSON.stringify({
        schemaVersion: 2,
        manifests: [d('application/vnd.oci.image.manifest.v1+json', manifest)],
      }),
    },
  ]);
}
