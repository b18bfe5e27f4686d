// The base image the engine suites build on, made here so a fresh machine needs no registry: a busybox rootfs
// imported from Debian's busybox-static binary as `local/busybox:latest` (the name scripts/parts/base-images.sh
// also uses), then copied into Podman over its API. Idempotent.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pack } from 'tar-stream';
import { dockerFor, engineOf, type Builder } from './builds';

export const BUSYBOX = 'local/busybox:latest';
const BUSYBOX_BIN = '/bin/busybox';

async function exists(kind: Builder, ref: string): Promise<boolean> {
  return dockerFor(kind)
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

function rootfs(): NodeJS.ReadableStream {
  if (!existsSync(BUSYBOX_BIN))
    throw new Error(
      `${BUSYBOX_BIN} is missing: apt-get install busybox-static (the engine suites import it as ${BUSYBOX})`,
    );
  const p = pack();
  const dir = (name: string, mode = 0o755) => p.entry({ name, type: 'directory', mode, mtime: new Date(0) });
  for (const d of ['bin', 'sbin', 'etc', 'root', 'proc', 'sys', 'dev', 'var', 'usr', 'usr/bin', 'usr/sbin']) dir(d);
  dir('tmp', 0o1777);
  p.entry({ name: 'bin/busybox', mode: 0o755, mtime: new Date(0) }, readFileSync(BUSYBOX_BIN));
  const applets = execFileSync(BUSYBOX_BIN, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && a !== 'busybox');
  for (const a of applets) p.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mtime: new Date(0) });
  p.entry(
    { name: 'etc/passwd', mtime: new Date(0) },
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  p.entry({ name: 'etc/group', mtime: new Date(0) }, 'root:x:0:\nnogroup:x:65534:\n');
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

async function follow(kind: Builder, stream: NodeJS.ReadableStream): Promise<void> {
  const docker = dockerFor(kind);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Makes sure BUSYBOX exists on dockerd, and on Podman when `podman` is true. */
export async function ensureBusybox(podman = false): Promise<void> {
  await ensureBusyboxFor(podman ? 'podman' : 'legacy');
}

/** Makes sure BUSYBOX exists on dockerd (where it is made) and on the engine `builder` builds on (copied over its API). */
export async function ensureBusyboxFor(builder: Builder): Promise<void> {
  if (!(await exists('legacy', BUSYBOX))) {
    const [repo, tag] = BUSYBOX.split(':') as [string, string];
    // eslint-disable-next-line @typescript-eslint/no-confusing-void-expression -- dockerode's types: the callback form
    const stream = await (dockerFor('legacy').importImage(rootfs(), {
      repo,
      tag,
      changes: ['CMD ["sh"]'],
    } as never) as unknown as Promise<NodeJS.ReadableStream>);
    await follow('legacy', stream);
  }
  await copyToEngine(BUSYBOX, builder);
}

/** Copies an image of dockerd's to the engine `builder` builds on (over their APIs), unless that engine has it. */
export async function copyToEngine(ref: string, builder: Builder): Promise<void> {
  if (engineOf(builder) === 'docker' || (await exists(builder, ref))) return;
  const archive = await dockerFor('legacy').getImage(ref).get();
  await follow(builder, await dockerFor(builder).loadImage(archive));
}
