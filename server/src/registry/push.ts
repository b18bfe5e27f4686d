// Writing to a registry over the OCI distribution API: a blob (skipped when a HEAD finds it there already, else one
// monolithic POST + PUT upload) and a manifest PUT, with the client's authentication (the `pull,push` scope). What a
// registry answers that the spec does not allow (no upload Location, another digest) is a RegistryError.
import { RegistryError, type RegistryClient } from './client';
import { sha256 } from './image';

export interface Pushed {
  readonly digest: string;
  readonly size: number;
  /** False when the registry had it already (nothing was uploaded). */
  readonly uploaded: boolean;
}

/** Whether `repo` has the blob (HEAD: 200 yes, 404 no). */
export async function hasBlob(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const res = await client.request(repo, `blobs/${digest}`, { method: 'HEAD', push: true, accept: [200, 404] });
  return res.status === 200;
}

/** Uploads `body` as a blob of `repo` unless it is there already. */
export async function pushBlob(client: RegistryClient, repo: string, body: Buffer): Promise<Pushed> {
  const digest = sha256(body);
  if (await hasBlob(client, repo, digest)) return { digest, size: body.length, uploaded: false };
  const start = await client.request(repo, 'blobs/uploads/', { method: 'POST', push: true, accept: [202] });
  const location = start.headers.get('location');
  if (!location) throw new RegistryError('protocol', client.host, 'started a blob upload but named no Location');
  const url = new URL(location, `${client.base}/`);
  url.searchParams.set('digest', digest);
  const put = await client.request(repo, url.href, {
    method: 'PUT',
    push: true,
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
    accept: [201],
  });
  await put.body?.cancel();
  const said = put.headers.get('docker-content-digest');
  if (said && said !== digest)
    throw new RegistryError('protocol', client.host, `stored blob ${digest} as ${said}: it altered the upload`);
  return { digest, size: body.length, uploaded: true };
}

/** PUTs a manifest (or index) of `mediaType` at `ref` (a tag or its digest). */
export async function pushManifest(
  client: RegistryClient,
  repo: string,
  ref: string,
  mediaType: string,
  body: Buffer,
): Promise<Pushed & { subject: boolean }> {
  const digest = sha256(body);
  const res = await client.request(repo, `manifests/${ref}`, {
    method: 'PUT',
    push: true,
    body,
    headers: { 'Content-Type': mediaType },
    accept: [201],
  });
  await res.body?.cancel();
  const said = res.headers.get('docker-content-digest');
  if (said && said !== digest)
    throw new RegistryError('protocol', client.host, `stored manifest ${digest} as ${said}: it altered it`);
  // OCI 1.1: a registry that indexed the manifest's `subject` for its referrers API says so with this header.
  return { digest, size: body.length, uploaded: true, subject: res.headers.has('oci-subject') };
}
