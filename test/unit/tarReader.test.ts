// The tar reader (engine/tarReader.ts) against tar-stream (test/support/tarStreamReader.ts, the maintained library it
// replaces): the same tar, cut into the same random chunks, must give the same headers in the same order, the same
// bodies, or fail with the same words. Valid tars of every header shape the layer writers use (ustar prefix, PAX path,
// linkpath and size, GNU long names, base-256 sizes, zero blocks, bodies across chunk edges), then ≥ 600 corrupted
// copies of them (flipped header bytes, truncations). Our reader is fed lent chunks (one buffer, overwritten after
// each write), as the archive reader's reused read buffers are, through sinks that sometimes hold it back. A
// difference names its seed.
import { strict as assert } from 'node:assert';
import { TarHeaderReader, TarReader } from '../../server/src/engine/tarReader';
import type { TarBody, TarHeader } from '../../server/src/engine/tarFormat';
import { rawHeader, tarOf, type TarEntry } from '../support/archives';
import { prng } from '../support/corpus';
import { TarStreamReader } from '../support/tarStreamReader';

type Outcome = { headers: TarHeader[]; bodies: string[]; error: string | null };

function chunksOf(tar: Buffer, rnd: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < tar.length;) {
    const n = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 700 : 5000));
    out.push(tar.subarray(i, i + n));
    i += n;
  }
  return out;
}

const takesBody = (h: TarHeader) => h.type === 'file' || h.type === 'other';

/** A sink that copies what it is lent, and holds the reader back (a resolved promise: a turn later) when told to. */
function collector(bodies: string[], slow: () => boolean): TarBody {
  const parts: Buffer[] = [];
  return {
    data: (c) => {
      parts.push(Buffer.from(c));
      return slow() ? Promise.resolve() : undefined;
    },
    end: () => {
      bodies.push(Buffer.concat(parts).toString('hex'));
      return slow() ? Promise.resolve() : undefined;
    },
  };
}

async function withTarStream(chunks: readonly Buffer[]): Promise<Outcome> {
  const out: Outcome = { headers: [], bodies: [], error: null };
  const r = new TarStreamReader((h) => {
    out.headers.push(h);
    return takesBody(h) ? collector(out.bodies, () => false) : null;
  });
  try {
    for (const c of chunks) await r.write(c);
    await r.end();
  } catch (e) {
    out.error = (e as Error).message;
  }
  return out;
}

/** Ours, each chunk lent in one scratch buffer that the next chunk overwrites. */
async function withTarReader(chunks: readonly Buffer[], rnd: () => number): Promise<Outcome> {
  const out: Outcome = { headers: [], bodies: [], error: null };
  const r = new TarReader((h) => {
    out.headers.push(h);
    return takesBody(h) ? collector(out.bodies, () => rnd() < 0.3) : null;
  });
  const scratch = Buffer.alloc(Math.max(0, ...chunks.map((c) => c.length)));
  try {
    for (const c of chunks) {
      c.copy(scratch);
      await r.write(scratch.subarray(0, c.length));
      scratch.fill(0xee);
    }
    r.end();
  } catch (e) {
    out.error = (e as Error).message;
  }
  return out;
}

function withHeaderReader(chunks: readonly Buffer[]): Omit<Outcome, 'bodies'> {
  const headers: TarHeader[] = [];
  const r = new TarHeaderReader((h) => headers.push(h));
  try {
    for (const c of chunks) r.push(c);
    r.end();
    return { headers, error: null };
  } catch (e) {
    return { headers, error: (e as Error).message };
  }
}

/** A GNU long-name ('L') or long-link ('K') record and its padded body. */
function gnuLong(type: 'L' | 'K', text: string): Buffer {
  const body = Buffer.from(`${text}\0`);
  const h = rawHeader('././@LongLink', 0, type);
  // rawHeader writes a base-256 size; write it in octal and sum again, as GNU tar does.
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const long = (n: number) => Array.from({ length: n }, (_, i) => `dir${i}`).join('/');

const SHAPES: Array<[string, () => Promise<Buffer>]> = [
  [
    'files, directories, links and sizes around the block edges',
    () =>
      tarOf([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/empty', body: '' },
        ...[1, 511, 512, 513, 1024, 70_000].map((n): TarEntry => ({ name: `etc/f${n}`, body: Buffer.alloc(n, 'z') })),
        { name: 'etc/ln', type: 'symlink', linkname: '../usr/bin/x' },
        { name: 'etc/hard', type: 'link', linkname: 'etc/f1' },
        { name: 'dev/null', type: 'character-device', mode: 0o666 },
        { name: 'run/p', type: 'fifo' },
        { name: 'étc/ünïcode ☃', body: 'u', uid: 1000, gid: 70000 },
      ]),
  ],
  [
    'a ustar prefix, PAX path, linkpath and size',
    () =>
      tarOf([
        { name: `${long(20)}/leaf`, body: 'prefix' },
        { name: `${long(40)}/paxleaf`, body: 'pax' },
        { name: 'l', type: 'symlink', linkname: long(30) },
        { name: 'p', pax: { size: '5', 'SCHILY.xattr.user.x': 'y' }, body: 'hello' },
      ]),
  ],
  [
    'GNU long names and links, a base-256 size, zero blocks between entries',
    async () =>
      Buffer.concat([
        gnuLong('L', long(35)),
        await tarOf([{ name: 'short', body: 'gnu' }]).then((b) => b.subarray(0, 1024)),
        Buffer.alloc(1024),
        gnuLong('K', long(33)),
        await tarOf([{ name: 'lnk', type: 'symlink', linkname: 'x' }]).then((b) => b.subarray(0, 512)),
        rawHeader('big', 600),
        Buffer.alloc(1024, 'b'),
        Buffer.alloc(1024),
      ]),
  ],
];

describe('tar reading: the same as tar-stream', () => {
  for (const [what, make] of SHAPES) {
    it(what, async () => {
      const tar = await make();
      for (let seed = 1; seed <= 20; seed++) {
        const chunks = chunksOf(tar, prng(seed));
        const theirs = await withTarStream(chunks);
        assert.equal(theirs.error, null, `tar-stream reads ${what}`);
        assert.ok(theirs.headers.length >= 3 && theirs.bodies.length >= 1);
        assert.deepEqual(await withTarReader(chunks, prng(seed + 1000)), theirs, `seed ${seed}`);
        assert.deepEqual(withHeaderReader(chunks), { headers: theirs.headers, error: null }, `seed ${seed}, headers`);
      }
    });
  }

  it('620 corrupt or cut copies: the same headers, or the same failure', async () => {
    const tars = await Promise.all(SHAPES.map(([, make]) => make()));
    let failures = 0;
    for (let seed = 1; seed <= 620; seed++) {
      const rnd = prng(seed);
      const tar = Buffer.from(tars[seed % tars.length]!);
      const flips = Math.floor(rnd() * 4);
      for (let i = 0; i < flips; i++) {
        // Header fields are where readers can disagree: aim at a block's first 512 bytes most of the time.
        const block = Math.floor((rnd() * tar.length) / 512) * 512;
        const at = rnd() < 0.8 ? block + Math.floor(rnd() * 512) : Math.floor(rnd() * tar.length);
        tar[at] = Math.floor(rnd() * 256);
      }
      const cut = flips === 0 || rnd() < 0.3 ? tar.subarray(0, Math.floor(rnd() * tar.length)) : tar;
      const chunks = chunksOf(cut, rnd);
      const theirs = await withTarStream(chunks);
      if (theirs.error) failures++;
      assert.deepEqual(await withTarReader(chunks, rnd), theirs, `seed ${seed}`);
      const { headers, error } = theirs;
      assert.deepEqual(withHeaderReader(chunks), { headers, error }, `seed ${seed}, headers`);
    }
    // The corpus must exercise the failures too, not only the reads.
    assert.ok(failures > 100, `${failures} of the copies failed to read`);
  });
});
