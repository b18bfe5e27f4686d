// The explorer and the hover say what their sizes count, on both engines: dockerd 20.10's history rows are the
// layers' file bytes (what the layer analysis counts too); Docker 28's containerd store reports each snapshot's disk
// usage, block-rounded, which the explorer and hover show beside the analysis's file bytes.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_DOCKERFILE } from '../../server/src/images/resolve';
import { formatBytes } from '../../server/src/core/format';
import type { LayersResult } from '../../server/src/protocol';
import { ensureBusyboxFor } from '../support/baseImage';
import { build, engineOf, hostEnv, type Builder } from '../support/builds';
import { ROOT } from '../support/cli';
import { needEngine } from '../support/engine';
import { LspClient } from '../support/lspClient';
import { workspaceCopy } from '../support/tempDirs';

/** The bytes the example's dependency RUN writes (3 000 000 + 800 000 of random data). */
const DEPS_BYTES = 3_800_000;
const BLOCK = 4096;

for (const builder of ['buildkit', 'modern-buildkit'] as Builder[]) {
  describe(`lsp: the explorer and hover name what their sizes count (${builder})`, function () {
    this.timeout(240000);
    const modern = engineOf(builder) === 'modern';
    const { dir, file, uri, text } = workspaceCopy(join(ROOT, 'examples', 'hello'));
    const line = text.split('\n').findIndex((l) => l.includes('mkdir -p /root/.cache/pkg'));
    let client: LspClient;

    before(async function () {
      await needEngine(this, 'docker');
      if (modern) await needEngine(this, 'modern');
      await ensureBusyboxFor(builder);
      await build(builder, dir, `dfsize-test/lsp-measure:${builder}`, { labels: { [LABEL_DOCKERFILE]: file } });
      client = new LspClient(hostEnv(builder));
      await client.initialize({ workspaceTrusted: true, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-storage-')) });
      client.open(uri, text);
      await client.waitFor('$/progress', (p) => (p as { value: { kind: string } }).value.kind === 'end');
    });
    after(() => client?.kill());

    it("the layer node: the row's size and its measure, the analysis's file bytes beside a snapshot's", async () => {
      const nodes = (await client.request<LayersResult>('dfsize/layers', { uri, parent: 'image' })).nodes;
      const run = nodes.find((n) => n.range?.startLine === line)!;
      const size = formatBytes(run.sizeBytes!);
      if (modern) {
        assert.ok(
          run.sizeBytes! >= DEPS_BYTES && run.sizeBytes! % BLOCK === 0,
          `${run.sizeBytes}: whole blocks, at least the file bytes`,
        );
        assert.ok(
          run.detail!.includes(
            `${size} (snapshot disk usage (block-rounded) · files ${formatBytes(DEPS_BYTES)} (layer analysis))`,
          ),
          run.detail,
        );
      } else {
        assert.equal(run.sizeBytes, DEPS_BYTES);
        assert.ok(run.detail!.includes(`${size} (file bytes)`), run.detail);
      }
    });

    it('the hover: a snapshot note with the file bytes on the containerd store, none on dockerd 20.10', async () => {
      const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri },
        position: { line, character: 3 },
      });
      if (modern)
        assert.ok(
          hover.contents.value.includes(
            `the engine's snapshot disk usage (block-rounded) · files ${formatBytes(DEPS_BYTES)} (layer analysis)`,
          ),
          hover.contents.value,
        );
      else assert.doesNotMatch(hover.contents.value, /snapshot/);
    });
  });
}
