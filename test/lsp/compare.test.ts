// `dfsize/compare` over raw JSON-RPC: the document's image (compare-new, labelled for the file) against an image the
// user picked and against the previous build recorded for the file; the answer is the text the editor shows.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDelta } from '../../server/src/core/format';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import type { CompareResult, Status } from '../../server/src/protocol';
import { PreviousBuilds } from '../../server/src/state/previousBuilds';
import { ensureBusybox } from '../support/baseImage';
import { build, BUILDS_DIR } from '../support/builds';
import { needEngine } from '../support/engine';
import { headBytes, lineOfMarker } from '../support/markers';
import { LspClient } from '../support/lspClient';
import { tempTree, workspaceCopy } from '../support/tempDirs';

describe('lsp: compare the document’s image with another', function () {
  this.timeout(240000);
  const { dir, file, uri, text } = workspaceCopy(join(BUILDS_DIR, 'compare-new'));
  const OLD = 'dfsize-test/compare-lsp-old:latest';
  const cache = tempTree({});
  let client: LspClient;
  let oldId = '';
  const compare = (old: string) => client.request<CompareResult>('dfsize/compare', { uri, old });
  const dataLine = lineOfMarker(text, '/m-data');
  const oldText = readFileSync(join(BUILDS_DIR, 'compare-old', 'Dockerfile'), 'utf8');

  before(async function () {
    await needEngine(this, 'docker');
    await ensureBusybox();
    oldId = (await build('legacy', join(BUILDS_DIR, 'compare-old'), OLD)).id;
    await build('legacy', dir, 'dfsize-test/compare-lsp-new:latest', { labels: { [LABEL_DOCKERFILE]: file } });
    await PreviousBuilds.inFolder(cache, (m) => assert.fail(m)).record(file, {
      imageId: oldId,
      ref: OLD,
      sizeBytes: 1,
      lines: new Map(),
    });
    client = new LspClient({ DOCKER_HOST: 'unix:///var/run/docker.sock', DFSIZE_CACHE_DIR: cache });
    await client.initialize({ workspaceTrusted: true });
    client.open(uri, text);
    await client.waitFor('dfsize/status', (s) => (s as Status).uri === uri && (s as Status).image !== null);
  });
  after(() => {
    client.kill();
  });

  it('against a picked image: the biggest cause first, with its line and delta', async () => {
    const r = await compare(OLD);
    assert.ok(r.text, r.message);
    const lines = r.text.split('\n');
    const first = lines[lines.indexOf('Biggest causes:') + 1] ?? '';
    assert.match(first, new RegExp(`^  line ${String(dataLine)}: RUN mkdir /m-data`));
    assert.ok(first.includes(formatDelta(headBytes(text, '/m-data') - headBytes(oldText, '/m-data'))), first);
    assert.match(r.text, /^\s+\/m-cache\s.*appeared$/m);
    assert.equal(r.message, `${OLD} → dfsize-test/compare-lsp-new:latest`);
  });

  it('against the previous build recorded for the file', async () => {
    const r = await compare('previous');
    assert.ok(r.text, r.message);
    assert.match(
      r.text,
      new RegExp(`^old  previous: ${OLD.replace(/[/.]/g, '\\$&')} \\(${oldId.slice(7, 19)}\\)`, 'm'),
    );
  });

  it('says why when there is nothing to compare', async () => {
    const r = await compare('not a ref!');
    assert.deepEqual(r, {
      text: null,
      message: '"not a ref!" is not an image reference (name[:tag], name@sha256:…, or an image id)',
    });
    const none = await client.request<CompareResult>('dfsize/compare', { uri: `${uri}.other`, old: 'previous' });
    assert.equal(none.text, null);
  });
});
