// `npm run demo` on a bare machine: a Debian container holding only Node (this machine's binary) and the engine's
// socket, the repository mounted read-only. The demo's entry must need nothing else — no curl, no docker client,
// no apt-get when the engine already has its base image — and print the report with each layer's size on its line.
import { strict as assert } from 'node:assert';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { formatBytes } from '../../server/src/core/format';
import { ensureBusybox } from '../support/baseImage';
import { dockerFor } from '../support/builds';
import { ROOT } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';

const docker = dockerFor('legacy');
const SOCKET = '/var/run/docker.sock';
const NODE_IMAGE = `dfsize-test/standalone-node:${process.version}`;
const DEMO_IMAGE = 'dfsize-example/hello:latest';
const DEMO_DEADLINE_MS = 240_000;

/** Debian bookworm minbase with this machine's node binary in /usr/local/bin: nothing else. */
async function nodeImage(): Promise<void> {
  if (
    await docker
      .getImage(NODE_IMAGE)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return;
  const context = pack();
  context.entry({ name: 'Dockerfile' }, `FROM ${DEBIAN}\nCOPY node /usr/local/bin/node\n`);
  context.entry({ name: 'node', mode: 0o755 }, readFileSync(process.execPath));
  context.finalize();
  const stream = await docker.buildImage(context as never, { t: NODE_IMAGE, version: '1' });
  const out = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) =>
      err ? reject(err) : resolve(res),
    ),
  );
  const failed = out.find((m) => m.error);
  if (failed) throw new Error(`building ${NODE_IMAGE} failed: ${failed.error}`);
}

/** stdout and stderr of a container's multiplexed log (8-byte frame headers: stream type, size). */
function demux(log: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  const STDERR = 2;
  for (let at = 0; at + 8 <= log.length;) {
    const size = log.readUInt32BE(at + 4);
    const text = log.subarray(at + 8, at + 8 + size).toString('utf8');
    if (log[at] === STDERR) out.stderr += text;
    else out.stdout += text;
    at += 8 + size;
  }
  return out;
}

/** Runs the demo's entry in the bare container; its exit code and output. */
async function runDemo(): Promise<{ code: number; stdout: string; stderr: string }> {
  const binds = [`${ROOT}:/repo:ro`, `${SOCKET}:${SOCKET}`];
  // A node_modules that links elsewhere (a shared install) is mounted where the link points.
  const modules = realpathSync(join(ROOT, 'node_modules'));
  if (modules !== join(ROOT, 'node_modules')) binds.push(`${modules}:${modules}:ro`);
  const container = await docker.createContainer({
    Image: NODE_IMAGE,
    WorkingDir: '/repo',
    Cmd: ['node_modules/.bin/tsx', 'scripts/demo.ts'],
    Env: ['HOME=/root', 'DFSIZE_CACHE_DIR=/tmp/dfsize-cache'],
    HostConfig: { Binds: binds },
  });
  try {
    await container.start();
    const deadline = setTimeout(() => {
      container
        .kill()
        .catch((e: unknown) => console.error(`      could not stop the demo container: ${(e as Error).message}`));
    }, DEMO_DEADLINE_MS);
    const { StatusCode } = await container.wait().finally(() => clearTimeout(deadline));
    const log = await container.logs({ stdout: true, stderr: true, follow: false });
    return { code: StatusCode, ...demux(log) };
  } finally {
    await container.remove({ force: true });
  }
}

describe('engine: npm run demo in a Debian container with only Node and the engine socket', function () {
  this.timeout(DEMO_DEADLINE_MS + 120_000);
  let demo: { code: number; stdout: string; stderr: string };

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    await ensureDebian();
    await nodeImage();
    demo = await runDemo();
  });

  it('runs to the end, with no tool beyond Node', () => {
    assert.equal(demo.code, 0, `${demo.stdout}\n${demo.stderr}`);
    assert.doesNotMatch(demo.stdout + demo.stderr, /curl|apt-get|command not found/);
    assert.match(demo.stdout, /^engine: docker /m);
  });

  it("prints the report with each layer's size on the line that made it, as the engine measured it", async () => {
    const model = parseDockerfile(readFileSync(join(ROOT, 'examples', 'hello', 'Dockerfile'), 'utf8'));
    const steps = model.instructions.filter((i) => i.keyword !== 'FROM');
    // BuildKit writes one history row per instruction after FROM, oldest last in the API's answer.
    const rows = (await docker.getImage(DEMO_IMAGE).history()).reverse().slice(-steps.length);
    const report = demo.stdout.slice(demo.stdout.indexOf('$ dfsize report'));
    const lines = report.split('\n');
    assert.ok(
      steps.some((s) => s.keyword === 'RUN'),
      'the example has layers to check',
    );
    steps.forEach((step, k) => {
      if (!['RUN', 'COPY', 'ADD'].includes(step.keyword)) return;
      const n = step.range.end.line + 1;
      const line = lines.find((l) => l.startsWith(`${String(n).padStart(2)} │ `));
      assert.ok(line, `line ${n} is in the report:\n${report}`);
      assert.ok(
        line.trimEnd().endsWith(` ${formatBytes(rows[k]!.Size)}`),
        `line ${n} ends with ${formatBytes(rows[k]!.Size)}: ${line}`,
      );
    });
  });
});
