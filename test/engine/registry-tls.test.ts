// TLS to registries off loopback, against real registries (Debian's docker-registry, scripts/parts/registry.sh, started
// here when they do not answer): IP:5443 speaks TLS with a certificate signed by a CA the script made, IP:5080 plain
// HTTP, both serving the open registry's storage — so an image the 20.10 engine pushed to 127.0.0.1:5000 is read
// through them, and must give the same analysis. `--ca-cert` makes the TLS one trusted; without it, or for the plain
// one without `--insecure-registry`, one line says what to pass. Each run has an empty cache: every blob is fetched.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { runCommand } from '../support/builds';
import { dfsizeAsync, RECIPES } from '../support/cli';
import { needEngine, needPart } from '../support/engine';
import { REGISTRY_DATA } from '../support/tokenServer';

const OPEN = '127.0.0.1:5000';
const REPO = 'dfsize-test-tls/busybox:v1';
const TLS_DIR = join(REGISTRY_DATA, 'tls');
const CA = join(TLS_DIR, 'ca.pem');
/** A real certificate of another CA: the token server's (scripts/parts/registry.sh made it too). */
const OTHER_CA = join(REGISTRY_DATA, 'token-keys', 'cert.pem');

async function answers(url: string): Promise<boolean> {
  // A registry that does not answer (yet) is a `false`, and the part script is run.
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  return r !== null && r.status === 200;
}

/** The TLS and plain-HTTP addresses, once both answer (the TLS one is probed over HTTP: it answers 400 there). */
async function offLoopback(): Promise<{ tls: string; plain: string } | null> {
  const read = (f: string) => (existsSync(join(TLS_DIR, f)) ? readFileSync(join(TLS_DIR, f), 'utf8').trim() : '');
  const up = async () => {
    const tls = read('addr');
    const plain = read('plain-addr');
    if (!tls || !plain || !(await answers(`http://${plain}/v2/`))) return null;
    const r = await fetch(`http://${tls}/v2/`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
    return r?.status === 400 ? { tls, plain } : null;
  };
  if (!(await up())) execFileSync('bash', [join(RECIPES, 'registry.sh'), 'serve'], { stdio: 'inherit' });
  return up();
}

describe('registry: TLS with --ca-cert, plain HTTP only with --insecure-registry', function () {
  this.timeout(300000);
  let tls = '';
  let plain = '';
  let expected: Record<string, unknown>;
  const analyze = (ref: string, ...flags: string[]) =>
    dfsizeAsync(['analyze', ref, '--json', ...flags], {
      DFSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'dfsize-tls-cache-')),
    });
  const same = (stdout: string, ref: string) => {
    const got = JSON.parse(stdout) as { image: { ref: string } };
    assert.equal(got.image.ref, ref);
    assert.deepEqual({ ...got, image: { ...got.image, ref: null } }, expected);
  };
  const oneLine = (r: { code: number; stderr: string }, line: string) => {
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `dfsize: ${line}\n`);
  };

  before(async function () {
    await needEngine(this, 'docker');
    const at = await offLoopback();
    needPart(this, at ? null : 'no TLS registry off loopback answers (scripts/parts/registry.sh serve)');
    ({ tls, plain } = at ?? { tls: '', plain: '' });
    await ensureBusybox();
    await runCommand('docker', ['tag', BUSYBOX, `${OPEN}/${REPO}`]);
    await runCommand('docker', ['push', `${OPEN}/${REPO}`]);
    await runCommand('docker', ['rmi', `${OPEN}/${REPO}`]);
    const r = await analyze(`${OPEN}/${REPO}`);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { image: object };
    expected = { ...got, image: { ...got.image, ref: null } };
  });

  it('--ca-cert FILE: the image read over verified TLS is the one read from loopback', async () => {
    const r = await analyze(`${tls}/${REPO}`, '--ca-cert', CA);
    assert.equal(r.code, 0, r.stderr);
    same(r.stdout, `${tls}/${REPO}`);
  });

  it('--ca-cert as a bundle, or repeated: any one of the CAs given signs it', async () => {
    const bundle = join(mkdtempSync(join(tmpdir(), 'dfsize-ca-')), 'bundle.pem');
    writeFileSync(bundle, readFileSync(OTHER_CA, 'utf8') + readFileSync(CA, 'utf8'));
    for (const flags of [
      ['--ca-cert', bundle],
      ['--ca-cert', OTHER_CA, '--ca-cert', CA],
    ]) {
      const r = await analyze(`${tls}/${REPO}`, ...flags);
      assert.equal(r.code, 0, r.stderr);
      same(r.stdout, `${tls}/${REPO}`);
    }
  });

  it('without the CA: one line naming the registry and --ca-cert, exit 2', async () => {
    const line =
      `${tls}: its TLS certificate is not signed by a CA this machine trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE): ` +
      'pass --ca-cert FILE (or add the CA to the system store)';
    oneLine(await analyze(`${tls}/${REPO}`), line);
    oneLine(await analyze(`${tls}/${REPO}`, '--ca-cert', OTHER_CA), line);
  });

  it('--insecure-registry on the TLS registry: TLS without verifying, as Docker does', async () => {
    const r = await analyze(`${tls}/${REPO}`, '--insecure-registry');
    assert.equal(r.code, 0, r.stderr);
    same(r.stdout, `${tls}/${REPO}`);
  });

  it('plain HTTP off loopback: refused with what to pass, read with --insecure-registry', async () => {
    oneLine(
      await analyze(`${plain}/${REPO}`),
      `${plain}: answers plain HTTP, not HTTPS: pass --insecure-registry to read it over HTTP`,
    );
    const r = await analyze(`${plain}/${REPO}`, '--insecure-registry');
    assert.equal(r.code, 0, r.stderr);
    same(r.stdout, `${plain}/${REPO}`);
  });

  it('a --ca-cert that is no certificate, or no file: one line, exit 2, nothing fetched', async () => {
    const notPem = join(mkdtempSync(join(tmpdir(), 'dfsize-ca-')), 'ca.txt');
    writeFileSync(notPem, 'not a certificate\n');
    oneLine(
      await analyze(`${tls}/${REPO}`, '--ca-cert', notPem),
      `--ca-cert ${notPem} holds no PEM certificate: name the CA's certificate (-----BEGIN CERTIFICATE-----)`,
    );
    const r = await analyze(`${tls}/${REPO}`, '--ca-cert', '/nonexistent/ca.pem');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^dfsize: --ca-cert \/nonexistent\/ca\.pem: no such file/);
  });

  it('report --image over TLS takes --ca-cert too: the base line has the image’s bytes; without it, the one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dfsize-tls-report-'));
    const dockerfile = join(dir, 'Dockerfile');
    writeFileSync(dockerfile, 'FROM busybox\n');
    const report = (...flags: string[]) =>
      dfsizeAsync(['report', dockerfile, '--image', `${tls}/${REPO}`, ...flags], {
        DFSIZE_CACHE_DIR: join(dir, 'cache'),
      });
    const r = await report('--json', '--ca-cert', CA);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { image: { ref: string; source: string }; base: { sizeBytes: number } };
    assert.deepEqual(doc.image.ref, `${tls}/${REPO}`);
    assert.equal(doc.image.source, 'registry');
    const layers = (expected.layers ?? []) as Array<{ sizeBytes: number }>;
    assert.equal(
      doc.base.sizeBytes,
      layers.reduce((n, l) => n + l.sizeBytes, 0),
      'the bytes analyze read from loopback',
    );
    oneLine(
      await report(),
      `${tls}: its TLS certificate is not signed by a CA this machine trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE): pass --ca-cert FILE (or add the CA to the system store)`,
    );
  });
});
