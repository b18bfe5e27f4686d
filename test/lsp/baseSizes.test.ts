// large-base-image in the editor, with the mirror set by the typed setting dockerfileSize.registry.mirror: the
// diagnostic names the sizes the real registry's manifests give (the 20.10 engine pushed real images there, under
// the names the rule asks for). An untrusted workspace asks no registry — not the setting's, not
// DFSIZE_REGISTRY_MIRROR's — and shows the dated table.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatBytes } from '../../server/src/core/format';
import { BASE_MIRROR, pushBaseMirror } from '../support/baseMirror';
import { NO_ENGINE } from '../support/cli';
import { needEngine, needPart } from '../support/engine';
import { LspClient } from '../support/lspClient';

interface Diag {
  code: string;
  message: string;
}

describe('lsp: base image sizes from the registry mirror setting', function () {
  this.timeout(300000);
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-lsp-bases-'));
  const file = join(dir, 'Dockerfile');
  const uri = pathToFileURL(file).href;
  const text = 'FROM debian:bookworm\nCMD ["bash"]\n';
  let sizes: { full: number; slim: number } | null = null;
  const clients: LspClient[] = [];

  /** The large-base-image diagnostic a server started this way publishes for the Dockerfile. */
  async function diagnostic(trusted: boolean, env: Record<string, string>): Promise<Diag> {
    const client = new LspClient({ ...NO_ENGINE, ...env });
    clients.push(client);
    client.settings = { registry: { mirror: BASE_MIRROR } };
    await client.initialize({ workspaceTrusted: trusted, storageDir: mkdtempSync(join(tmpdir(), 'dfsize-lsp-s-')) });
    client.open(uri, text);
    const m = await client.waitFor('textDocument/publishDiagnostics', (p) =>
      (p as { diagnostics: Diag[] }).diagnostics.some((d) => d.code === 'large-base-image'),
    );
    const d = (m.params as { diagnostics: Diag[] }).diagnostics.find((x) => x.code === 'large-base-image');
    assert.ok(d);
    return d;
  }

  before(async function () {
    // The mirror's images are pushed with docker.
    await needEngine(this, 'docker');
    sizes = await pushBaseMirror();
    needPart(this, sizes ? null : 'no registry answers at 127.0.0.1:5000 (scripts/parts/registry.sh serve)');
    writeFileSync(file, text);
  });
  after(() => {
    for (const c of clients) c.kill();
  });

  it('a trusted workspace: the compressed sizes of both images from the mirror the setting names', async () => {
    const d = await diagnostic(true, {});
    assert.ok(sizes);
    assert.equal(
      d.message,
      `debian:bookworm (${formatBytes(sizes.full)}) is a large base image: debian:bookworm-slim ` +
        `(${formatBytes(sizes.slim)}) is smaller; sizes compressed, from 127.0.0.1:5000.`,
    );
  });

  it('an untrusted workspace: no registry is asked, the table with its date', async () => {
    const d = await diagnostic(false, { DFSIZE_REGISTRY_MIRROR: BASE_MIRROR });
    assert.match(d.message, /; sizes from the table of 2024-06 \(Docker Hub, linux\/amd64\)\.$/);
  });
});
