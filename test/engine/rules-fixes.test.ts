// Every fix the rules offer, applied to its test Dockerfile, builds on the real engine with each builder it claims
// (no image known: both the legacy builder and BuildKit; COPY --chmod: BuildKit only), and the result still does
// what the original did. Measured messages are checked against the layers of real images.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import { applyEdits, computeFindings, staticContext, type RuleContext } from '../../server/src/core/rules/index';
import { readBuildContext } from '../../server/src/context/buildContext';
import { contextFactory, gatherInputs } from '../../server/src/findings/ruleInputs';
import { cachedAnalysis } from '../../server/src/analysis/analyze';
import { AnalysisCache } from '../../server/src/analysis/cache';
import { DockerodeSource } from '../../server/src/engine/dockerode';
import { resolveEndpoint } from '../../server/src/engine/endpoint';
import { imageFromEngine } from '../../server/src/images/resolve';
import { build, imageSize, removeImages, runImage, type Builder } from '../support/builds';
import { dfsize } from '../support/cli';
import { DEBIAN, ensureDebian } from '../support/debianBase';
import { needEngine } from '../support/engine';
import { analysisOf, contentsOf, readLayers } from '../support/layerFacts';
import { tempTree } from '../support/tempDirs';

const BOTH: Builder[] = ['legacy', 'buildkit'];
const made = new Set<string>();

async function buildTag(
  builder: Builder,
  dir: string,
  tag: string,
  text: string,
  buildargs?: Record<string, string>,
): Promise<string> {
  const t = `dfsize-test/rules-${tag}:${builder}`;
  made.add(t);
  writeFileSync(join(dir, 'Dockerfile'), text);
  await build(builder, dir, t, buildargs ? { buildargs } : {});
  return t;
}

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly dockerfile: string;
  readonly over?: Partial<RuleContext>;
  readonly builders?: Builder[];
  readonly buildargs?: Record<string, string>;
  /** Codes whose fixes this case must offer (so a rule that stopped offering is noticed). */
  readonly expect: string[];
  /** What every fixed image must still print, run with `check`. */
  readonly check?: { cmd: string[]; out: RegExp };
}

const APP = {
  'app.sh': 'echo "hello from the app"\n',
  'requirements.txt': '# no third-party packages\n',
  'app.py': 'print("hello from python")\n',
};

const CASES: Case[] = [
  {
    // The update alone and its install: apt-update-alone's move joins them (consecutive-run leaves that pair to it).
    name: 'apt',
    files: APP,
    expect: ['apt-update-alone', 'apt-install-recommends', 'apt-lists-not-removed'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update',
      'RUN apt-get install -y ca-certificates curl',
      'CMD ["curl", "--version"]',
      '',
    ].join('\n'),
    check: { cmd: ['curl', '--version'], out: /^curl \d/ },
  },
  {
    name: 'join',
    files: APP,
    expect: ['consecutive-run'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl',
      'RUN rm -rf /var/lib/apt/lists/*',
      'CMD ["curl", "--version"]',
      '',
    ].join('\n'),
    check: { cmd: ['curl', '--version'], out: /^curl \d/ },
  },
  {
    name: 'python',
    files: { ...APP, '.git/HEAD': 'ref: refs/heads/main\n', '.git/objects/pack/p.pack': 'x'.repeat(1_500_000) },
    expect: ['copy-all-before-deps', 'pip-cache', 'missing-dockerignore'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /app',
      'COPY . .',
      'RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt',
      'CMD ["/opt/venv/bin/python", "app.py"]',
      '',
    ].join('\n'),
    check: { cmd: ['/opt/venv/bin/python', '/app/app.py'], out: /hello from python/ },
  },
  {
    name: 'remote',
    files: APP,
    expect: ['add-remote-url', 'recursive-chown-after-copy'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*',
      // Plain http: TLS from inside builds meets an intercepting proxy on this machine kind.
      'ADD http://deb.debian.org/debian/dists/bookworm/Release /tmp/',
      'RUN grep -q "^Codename: bookworm" /tmp/Release',
      'WORKDIR /srv/app',
      'COPY app.sh ./',
      'RUN chown -R nobody:nogroup /srv/app',
      'CMD ["sh", "/srv/app/app.sh"]',
      '',
    ].join('\n'),
    check: { cmd: ['sh', '-c', 'find /srv/app ! -user nobody; sh /srv/app/app.sh'], out: /^hello from the app\n$/ },
  },
  {
    name: 'chmod',
    files: { 'bin/tool': '#!/bin/sh\necho tool\n' },
    over: { builder: 'buildkit' },
    builders: ['buildkit'],
    expect: ['recursive-chown-after-copy'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'COPY bin/ /opt/bin/',
      'RUN chmod -R 755 /opt/bin',
      'CMD ["/opt/bin/tool"]',
      '',
    ].join('\n'),
    check: { cmd: ['sh', '-c', 'stat -c %a /opt/bin/tool && /opt/bin/tool'], out: /^755\ntool\n$/ },
  },
  {
    // debian:bookworm is not on this engine: the fix keeps ${BASE}, and the build names local/debian:bookworm.
    name: 'base',
    files: {},
    expect: ['large-base-image'],
    buildargs: { BASE: 'local/debian:bookworm' },
    dockerfile: ['ARG BASE=debian:bookworm', 'FROM ${BASE}', 'CMD ["cat", "/etc/debian_version"]', ''].join('\n'),
    check: { cmd: ['cat', '/etc/debian_version'], out: /^12\./ },
  },
  {
    name: 'go',
    files: {
      'go.mod': 'module hello\n\ngo 1.19\n',
      'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from go") }\n',
    },
    expect: ['compiled-no-multistage'],
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends golang-go && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /src',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .',
      'ENTRYPOINT ["/usr/local/bin/hello"]',
      '',
    ].join('\n'),
    check: { cmd: [], out: /^hello from go\n$/ },
  },
  {
    name: 'npm',
    expect: ['npm-cache'],
    files: {
      'package.json': '{"name":"app","version":"1.0.0","private":true}\n',
      'server.js': 'console.log("hello from node")\n',
      'package-lock.json': JSON.stringify({
        name: 'app',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'app', version: '1.0.0' } },
      }),
    },
    dockerfile: [
      `FROM ${DEBIAN}`,
      'RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm install',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    check: { cmd: ['node', '/app/server.js'], out: /hello from node/ },
  },
];

describe('engine: every offered fix builds', function () {
  this.timeout(900000);

  before(async function () {
    await needEngine(this, 'docker');
    await ensureDebian();
  });

  after(() => removeImages(made));

  for (const c of CASES) {
    it(`${c.name}: ${c.expect.join(', ')}`, async () => {
      const dir = tempTree(c.files);
      const bc = await readBuildContext(dir);
      const ctx = staticContext(parseDockerfile(c.dockerfile), { buildContext: bc, ...c.over });
      const findings = computeFindings(ctx, { disabled: new Set() }).findings;
      const offered = [...new Set(findings.filter((f) => f.fixes.length).map((f) => f.code))];
      for (const code of c.expect)
        assert.ok(offered.includes(code), `${code} offers no fix (offered: ${offered.join(', ')})`);
      let k = 0;
      for (const f of findings) {
        for (const fix of f.fixes) {
          const text = applyEdits(c.dockerfile, fix.edits)!;
          const fixDir = tempTree(c.files);
          for (const fc of fix.files ?? [])
            writeFileSync(join(fixDir, fc.path), applyEdits(fc.create ? '' : (bc?.dockerignore ?? ''), fc.edits)!);
          for (const builder of c.builders ?? BOTH) {
            const tag = await buildTag(builder, fixDir, `${c.name}-${k}`, text, c.buildargs).catch((e: unknown) => {
              throw new Error(
                `${f.code} "${fix.title}" does not build with ${builder}:\n${text}\n${(e as Error).message}`,
              );
            });
            if (c.check)
              assert.match(await runImage(tag, c.check.cmd), c.check.out, `${f.code} "${fix.title}" with ${builder}`);
          }
          k++;
        }
      }
    });
  }

  it('go: the two-stage image is a fraction of the single-stage one', async () => {
    const c = CASES.find((x) => x.name === 'go')!;
    const dir = tempTree(c.files);
    const single = await buildTag('legacy', dir, 'go-single', c.dockerfile);
    const f = computeFindings(staticContext(parseDockerfile(c.dockerfile)), { disabled: new Set() }).findings.find(
      (x) => x.code === 'compiled-no-multistage',
    )!;
    const split = await buildTag('legacy', dir, 'go-split', applyEdits(c.dockerfile, f.fixes[0]!.edits)!);
    const [a, b, base] = [await imageSize(single), await imageSize(split), await imageSize(DEBIAN)];
    console.log(`      go: single stage ${a} B, two stages ${b} B, base ${base} B`);
    assert.ok(b - base < (a - base) / 10, `${b - base} B above the base after, ${a - base} B before`);
  });

  for (const builder of BOTH) {
    it(`${builder}: a RUN between the COPY and the chown -R, measured to add nothing there: COPY --chown is offered and right`, async () => {
      const dir = tempTree(APP);
      const text = [
        `FROM ${DEBIAN}`,
        'COPY app.sh /srv/app/',
        'RUN mkdir -p /opt/tools && head -c 100000 /dev/urandom > /opt/tools/blob',
        'RUN chown -R nobody:nogroup /srv/app',
        'CMD ["sh", "/srv/app/app.sh"]',
        '',
      ].join('\n');
      const file = join(dir, 'Dockerfile');
      const tag = await buildTag(builder, dir, 'chown-between', text);
      const env = { DOCKER_HOST: 'unix:///var/run/docker.sock', DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir())) };
      assert.equal(dfsize(['analyze', '--image', tag], env).code, 0);
      const source = DockerodeSource.connect(resolveEndpoint({ env }), 10000);
      const model = parseDockerfile(text);
      const image = await imageFromEngine(source, tag, model, 'test');
      assert.equal(
        computeFindings(staticContext(model), { disabled: new Set() }).findings.find(
          (f) => f.code === 'recursive-chown-after-copy',
        )!.fixes.length,
        0,
      );
      const measured = await cachedAnalysis(new AnalysisCache(env.DFSIZE_CACHE_DIR), image.info.id);
      const ctx = contextFactory(
        await gatherInputs(file, model, source, {}, (m) => assert.fail(m)),
        image,
        measured,
        1_000_000,
      )(model);
      const f = computeFindings(ctx, { disabled: new Set() }).findings.find(
        (x) => x.code === 'recursive-chown-after-copy',
      )!;
      assert.equal(f.savingsBytes, 'echo "hello from the app"\n'.length);
      const fixed = applyEdits(text, f.fixes[0]!.edits)!;
      assert.equal(
        fixed,
        text.replace('COPY app.sh', 'COPY --chown=nobody:nogroup app.sh').replace('chown -R nobody', 'chown nobody'),
      );
      const after = await buildTag(builder, dir, 'chown-between-fixed', fixed);
      assert.equal(
        await runImage(after, ['sh', '-c', 'find /srv/app ! -user nobody; sh /srv/app/app.sh']),
        'hello from the app\n',
      );
    });

    it(`${builder}: messages carry the bytes measured in the image's layers, and cleanup moves where the files are made`, async () => {
      const dir = tempTree(APP);
      const text = [
        `FROM ${DEBIAN}`,
        'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates',
        'RUN head -c 3000000 /dev/urandom > /tmp/blob',
        'COPY app.sh /srv/',
        'RUN rm -f /tmp/blob',
        'CMD ["sh", "/srv/app.sh"]',
        '',
      ].join('\n');
      const file = join(dir, 'Dockerfile');
      const tag = await buildTag(builder, dir, 'measured', text);
      const source = DockerodeSource.connect(
        resolveEndpoint({ env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } }),
        10000,
      );
      const model = parseDockerfile(text);
      const image = await imageFromEngine(source, tag, model, 'test');
      const make = contextFactory(
        await gatherInputs(file, model, source, {}, (m) => assert.fail(m)),
        image,
        null,
        1_000_000,
      );
      const layers = await readLayers(tag);
      const ctx: RuleContext = {
        ...make(model),
        analysis: analysisOf(image.info.id, layers),
        contents: contentsOf(layers),
      };
      const findings = computeFindings(ctx, { disabled: new Set() }).findings;

      const lists = findings.find((f) => f.code === 'apt-lists-not-removed')!;
      const layer = ctx.layerOf(1)!;
      const listBytes = contentsOf(layers).addedUnder(layer, '/var/lib/apt/lists');
      assert.ok(listBytes > 5_000_000, `${listBytes} B of lists`);
      assert.match(lists.message, /\/var\/lib\/apt\/lists adds \d+(\.\d+)? MB to this layer/);
      assert.equal(lists.severity, 'warning');
      // This base keeps downloaded packages (no docker-clean hook): the fix cleans /var/cache/apt too.
      assert.match(
        applyEdits(text, lists.fixes[0]!.edits)!,
        /--no-install-recommends ca-certificates && apt-get clean && rm -rf \/var\/lib\/apt\/lists\/\*\n/,
      );
      assert.ok(lists.savingsBytes! >= listBytes);

      const cleanup = findings.find((f) => f.code === 'cleanup-in-later-layer')!;
      assert.equal(cleanup.range.start.line + 1, 5);
      assert.equal(cleanup.savingsBytes, 3_000_000);
      const fixed = applyEdits(text, cleanup.fixes[0]!.edits)!;
      assert.equal(
        fixed,
        text.replace('/tmp/blob\n', '/tmp/blob && rm -f /tmp/blob\n').replace('RUN rm -f /tmp/blob\n', ''),
      );
      const after = await buildTag(builder, dir, 'measured-fixed', fixed);
      assert.ok((await imageSize(tag)) - (await imageSize(after)) >= 3_000_000, 'the blob is gone from the image');
      assert.equal(await runImage(after, ['sh', '-c', 'ls /tmp; sh /srv/app.sh']), 'hello from the app\n');
    });
  }
});
