// Inputs that are not what a command expects, through the bundled CLI as a user runs it: files that are not regular
// (a FIFO, a device, /proc/self/mem), archives whose layers are cut or lie about their size, and an internal error,
// whose stack must name the TypeScript sources through the shipped source maps. Then what held up in the reliability
// probe and must keep holding: references checked before any engine call, archive entries never written, hostile
// entries refused, and refused, stalled or cut engine connections ending in exit 3.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { rawHeader, sha256, file, tarOf, withLayer, type TarEntry } from '../support/archives';
import { CLI, dfsize, dfsizeAsync } from '../support/cli';

const DOCKERFILE = 'FROM local/busybox:latest\nRUN echo hi\n';

function oneLine(r: { stderr: string }): string {
  const line = r.stderr.trim();
  assert.ok(!line.includes('\n') && !/\.js:\d+/.test(line), `not one line:\n${r.stderr}`);
  return line;
}

describe('hard inputs through the CLI', function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-hard-'));
  const dockerfile = join(dir, 'Dockerfile');
  writeFileSync(dockerfile, DOCKERFILE);
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);

  const notFiles: Array<[string, string, RegExp]> = [
    ['/proc/self/mem', 'report', /\/proc\/self\/mem cannot be read \(EIO\): name a Dockerfile/],
    ['/dev/zero', 'report', /\/dev\/zero is a device, not a file: name a Dockerfile/],
    [fifo, 'report', /pipe is a FIFO \(named pipe\), not a file: name a Dockerfile/],
    [fifo, 'fix', /pipe is a FIFO \(named pipe\), not a file: name a Dockerfile/],
  ];
  for (const [path, command, re] of notFiles) {
    it(`${command} ${path}: exit 2, one line, no wait and no 4 GB read`, () => {
      const r = dfsize([command, path]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLine(r), re);
    });
  }

  it('analyze --ci-config FIFO: exit 2, one line, no wait', async () => {
    const path = join(dir, 'ok.tar');
    writeFileSync(path, await withLayer(await tarOf([file('a', 10)])));
    const r = dfsize(['analyze', '--archive', path, '--no-cache', '--ci-config', fifo]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r), /--ci-config .*pipe is a FIFO \(named pipe\), not a file: name a \.dive-ci file/);
  });

  for (const path of [fifo, '/dev/zero']) {
    it(`analyze --archive ${path}: exit 2, one line saying it is no archive file`, () => {
      const r = dfsize(['analyze', '--archive', path]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLine(r), /is (a FIFO|a device).*, not an archive file: name a file written by docker save/);
    });
  }

  const broken: Array<[string, () => Promise<Buffer>]> = [
    [
      'a plain layer cut inside a file',
      async () => withLayer((await tarOf([file('a', 200_000, 'a'), file('b', 300_000, 'b')])).subarray(0, 100_000)),
    ],
    [
      'a gzip layer cut in half',
      async () => {
        const layer = gzipSync(
          await tarOf([{ name: 'r', body: Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)) }]),
        );
        return withLayer(layer.subarray(0, layer.length >> 1));
      },
    ],
    [
      'a gzip layer claiming 60 GB',
      async () => withLayer(gzipSync(Buffer.concat([rawHeader('x', 60 * 1024 ** 3), Buffer.alloc(4096)]))),
    ],
  ];
  for (const [what, make] of broken) {
    it(`${what}: exit 2 and one line naming the archive and the layer`, async () => {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.tar`);
      writeFileSync(path, await make());
      const r = dfsize(['analyze', '--archive', path, '--no-cache']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        oneLine(r),
        new RegExp(
          `^dfsize: ${path}: layer 1 \\(l/layer\\.tar\\) is not a readable layer \\((the layer is truncated|unexpected end of file)\\)$`,
        ),
      );
    });
  }

  it('an internal error (exit 4) prints a stack that names the TypeScript sources, through the shipped source map', () => {
    // The flags the bundle's shebang starts node with.
    const shebang = readFileSync(CLI, 'utf8').split('\n', 1)[0]!;
    const flags = shebang.split(/\s+/).filter((w) => w.startsWith('--'));
    assert.deepEqual(flags, ['--enable-source-maps']);
    // An output that throws: the CLI cannot know this is not its own bug.
    const script = `require(${JSON.stringify(CLI)}).main(['report', ${JSON.stringify(dockerfile)}, '--json'], {
      stdout: () => { throw new TypeError('the output broke'); }, stderr: (s) => process.stderr.write(s),
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' }, isTty: false }).then((c) => { process.exitCode = c; });`;
    const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /^dfsize: internal error: the output broke \(please report it/m);
    assert.match(r.stderr, /server\/src\/cli\/report\.ts:\d+:\d+/);
  });
});

/** A unix socket that does what a failing engine does with every connection; `connections` counts them. */
async function fakeEngine(
  behaviour: 'stall' | 'cut',
): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const path = join(mkdtempSync(join(tmpdir(), 'dfsize-fake-')), 'engine.sock');
  const open = new Set<Socket>();
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    open.add(s);
    s.on('error', () => s.destroy());
    // A cut: the head of an answer, then the connection closes.
    if (behaviour === 'cut')
      s.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"Id":');
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    url: `unix://${path}`,
    connections: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('what held up, and must keep holding', function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-held-'));
  const dockerfile = join(dir, 'Dockerfile');
  writeFileSync(dockerfile, DOCKERFILE);

  it('references are validated before any engine call', async () => {
    const engine = await fakeEngine('stall');
    try {
      for (const ref of ['../../containers/json', 'a b', 'x;rm -rf /', 'a'.repeat(600)]) {
        const r = await dfsizeAsync(['report', dockerfile, '--image', ref], { DOCKER_HOST: engine.url });
        assert.equal(r.code, 2, `${ref}: ${r.stderr}`);
        assert.match(oneLine(r), /is not an image reference/);
      }
      assert.equal(engine.connections(), 0, 'the engine was called');
    } finally {
      await engine.close();
    }
  });

  it('archive entries are never written, and traversal, links, PAX bombs and digest mismatches are refused', async () => {
    const work = join(dir, 'work');
    mkdirSync(work);
    const layers: Array<[string, TarEntry[], RegExp]> = [
      ['traversal', [file('../../../../tmp/dfsize-escaped', 5)], /climbs out of the image root/],
      ['a PAX size bomb', [{ name: 'p', pax: { size: String(2 ** 40) }, body: 'hi' }], /claims 1099511627776 bytes/],
    ];
    const archives: Array<[string, Buffer, RegExp]> = await Promise.all(
      layers.map(
        async ([what, entries, re]) => [what, await withLayer(await tarOf(entries)), re] as [string, Buffer, RegExp],
      ),
    );
    const layer = await tarOf([file('a', 10)]);
    const config = Buffer.from(JSON.stringify({ rootfs: { diff_ids: [`sha256:${sha256(layer)}`] }, history: [{}] }));
    // A config whose name is not its digest: altered after it was written.
    archives.push([
      'a digest mismatch',
      await tarOf([
        { name: `${sha256('other')}.json`, body: config },
        { name: 'l/layer.tar', body: layer },
        {
          name: 'manifest.json',
          body: JSON.stringify([{ Config: `${sha256('other')}.json`, Layers: ['l/layer.tar'] }]),
        },
      ]),
      /does not match its digest/,
    ]);
    // Links to files outside, read in place: an analysis reads them as entries, never follows or writes them.
    const linked = await withLayer(
      await tarOf([
        { name: 'etc/evil', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'etc/hard', type: 'link', linkname: '../../etc/shadow' },
      ]),
    );
    for (const [what, buf, re] of archives) {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.tar`);
      writeFileSync(path, buf);
      const r = spawnSync(process.execPath, [CLI, 'analyze', '--archive', path, '--no-cache'], {
        cwd: work,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, `${what}: ${r.stderr}`);
      assert.match(oneLine(r), re);
    }
    const path = join(dir, 'links.tar');
    writeFileSync(path, linked);
    const r = spawnSync(process.execPath, [CLI, 'analyze', '--archive', path, '--no-cache'], {
      cwd: work,
      encoding: 'utf8',
    });
    assert.ok(r.status === 0 || r.status === 2, r.stderr);
    assert.deepEqual(readdirSync(work), [], 'something was written where the CLI ran');
  });

  for (const behaviour of ['refused', 'stall', 'cut'] as const) {
    it(`a ${behaviour} connection gives exit 3 within the deadline`, async () => {
      const engine = behaviour === 'refused' ? null : await fakeEngine(behaviour);
      try {
        const url = engine?.url ?? `unix://${join(dir, 'nothing-listens.sock')}`;
        const r = await dfsizeAsync(['report', dockerfile, '--image', 'local/busybox:latest'], {
          DOCKER_HOST: url,
          DFSIZE_ENGINE_TIMEOUT_MS: '500',
        });
        assert.equal(r.code, 3, r.stderr);
        assert.match(
          oneLine(r),
          behaviour === 'stall' ? /did not answer within 500 ms/ : /no engine answers at|did not answer within 500 ms/,
        );
      } finally {
        await engine?.close();
      }
    });
  }
});
