// Pushing to the loopback registries through the distribution API itself (no engine): single blobs and manifests,
// and a whole OCI layout written by a real `buildx build --output type=oci` (every blob, then its manifests, then the
// index under a tag) — how the suites put multi-platform and zstd images where no engine of theirs can push them.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extract } from 'tar-stream';

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function pushBlob(
  registry: string,
  repo: string,
  body: Buffer,
): Promise<{ digest: string; size: number }> {
  const d = sha256(body);
  const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202, await start.text());
  const loc = new URL(start.headers.get('location') ?? '', registry);
  loc.searchParams.set('digest', d);
  const put = await fetch(loc, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return { digest: d, size: body.length };
}

export async function pushManifest(
  registry: string,
  repo: string,
  ref: string,
  type: string,
  body: Buffer,
): Promise<{ digest: string; size: number }> {
  const r = await fetch(`${registry}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': type },
  });
  assert.equal(r.status, 201, await r.text());
  return { digest: sha256(body), size: body.length };
}

/** Every file of a layout tar, by name (the suites' layouts are a few MB). */
async function layoutFiles(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  createReadStream(path).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

interface Doc {
  mediaType?: string;
  manifests?: Array<{ digest: string; mediaType: string }>;
}

/** Pushes the OCI layout tar at `path` as `repo:tag`: its top index.json entry is what the tag names. */
export async function pushLayout(registry: string, repo: string, tag: string, path: string): Promise<string> {
  const files = await layoutFiles(path);
  const blob = (digest: string) => files.get(`blobs/sha256/${digest.slice(7)}`);
  const put = async (digest: string, type: string, ref: string): Promise<void> => {
    const body = blob(digest);
    assert.ok(body, `the layout has ${digest}`);
    const doc = JSON.parse(body.toString('utf8')) as Doc;
    for (const m of doc.manifests ?? []) await put(m.digest, m.mediaType, m.digest);
    await pushManifest(registry, repo, ref, type, body);
  };
  for (const [name, body] of files) if (name.startsWith('blobs/sha256/')) await pushBlob(registry, repo, body);
  const top = (JSON.parse(files.get('index.json')?.toString('utf8') ?? '{}') as Doc).manifests?.[0];
  assert.ok(top, 'index.json names an image');
  await put(top.digest, top.mediaType, tag);
  return top.digest;
}
