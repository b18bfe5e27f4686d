// Which image a Dockerfile's numbers come from, with no configuration: among images built from variants of the
// same file the matching one; an image a compose service names for the file, or one our build labelled, over
// matching; the user's explicit choice over everything.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import type { ImageChoice, Status } from '../../server/src/protocol';
import { ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR } from '../support/builds';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';

describe('lsp: discovery of the last build', function () {
  this.timeout(240000);
  const root = mkdtempSync(join(tmpdir(), 'dfsize-disc-'));
  const dir = join(root, 'app');
  const file = join(dir, 'Dockerfile');
  const uri = pathToFileURL(file).href;
  const base = readFileSync(join(BUILDS_DIR, 'multistage-copy', 'Dockerfile'), 'utf8');
  const variant = (v: string) => base.replace('./m-relative', `./m-${v}`);
  let client: LspClient;

  const status = (since: number, pred: (s: Status) => boolean) =>
    client
      .waitFor('dfsize/status', (p) => (p as Status).uri === uri && pred(p as Status), since)
      .then((m) => m.params as Status);

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    cpSync(join(BUILDS_DIR, 'multistage-copy'), dir, { recursive: true });
    // Three variants of one file, built in order (v3 is the newest), none labelled.
    for (const v of ['v1', 'v2', 'v3'])
      await build('buildkit', dir, `dfsize-test/disc:${v}`, { dockerfileText: variant(v) });
    writeFileSync(file, variant('v2'));
    client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    // BuildKit gives a rebuild of unchanged content the old image (and its old date): on an engine with many
    // images our variants may not be among the newest 200 that discovery looks at by default.
    client.settings = { discovery: { maxImages: 5000 } };
    await client.initialize({ workspaceTrusted: true }, pathToFileURL(root).href);
    client.open(uri, variant('v2'));
  });
  after(() => client?.kill());

  it('history matching picks the variant the file is, not the newest image', async () => {
    const s = await status(0, (x) => x.image !== null);
    assert.equal(s.image!.ref, 'dfsize-test/disc:v2');
    assert.match(s.message, /history matches 100%/);
  });

  it('the quick pick lists the images with their match scores, the current one first', async () => {
    const list = await client.request<ImageChoice[]>('dfsize/listImages', { uri });
    const byRef = new Map(list.map((c) => [c.refs[0], c]));
    assert.equal(list[0]!.refs[0], 'dfsize-test/disc:v2');
    assert.equal(list[0]!.current, true);
    assert.equal(byRef.get('dfsize-test/disc:v2')!.score, 1);
    assert.equal(byRef.get('dfsize-test/disc:v3')!.score, 0.5);
  });

  it('an image a compose service names for this file wins over matching', async () => {
    writeFileSync(
      join(root, 'compose.yaml'),
      'services:\n  web:\n    build:\n      context: ./app\n    image: dfsize-test/disc-compose:latest\n',
    );
    const since = client.received.length;
    await build('buildkit', dir, 'dfsize-test/disc-compose:latest', { dockerfileText: variant('v1') });
    const s = await status(since, (x) => x.image?.ref === 'dfsize-test/disc-compose:latest');
    assert.match(s.message, /compose service image/);
  });

  it('an image labelled for this file wins over compose and matching', async () => {
    const since = client.received.length;
    await build('buildkit', dir, 'dfsize-test/disc-labelled:latest', {
      dockerfileText: variant('v3'),
      labels: { [LABEL_DOCKERFILE]: file },
    });
    const s = await status(since, (x) => x.image?.ref === 'dfsize-test/disc-labelled:latest');
    assert.match(s.message, /labelled dev\.dfsize\.dockerfile/);
  });

  it("the user's explicit choice wins over everything, and forgetting it discovers again", async () => {
    const chosen = await client.request<Status>('dfsize/selectImage', { uri, ref: 'dfsize-test/disc:v1' });
    assert.equal(chosen.image!.ref, 'dfsize-test/disc:v1');
    assert.match(chosen.message, /chosen by you/);
    const again = await client.request<Status>('dfsize/selectImage', { uri, ref: null });
    assert.equal(again.image!.ref, 'dfsize-test/disc-labelled:latest');
  });

  it('a choice remembered by the client comes back at start', async () => {
    const other = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
    other.settings = client.settings;
    try {
      await other.initialize({ workspaceTrusted: true, selections: { [uri]: 'dfsize-test/disc:v3' } });
      other.open(uri, variant('v2'));
      const m = await other.waitFor('dfsize/status', (p) => (p as Status).image !== null);
      assert.equal((m.params as Status).image!.ref, 'dfsize-test/disc:v3');
    } finally {
      other.kill();
    }
  });
});
