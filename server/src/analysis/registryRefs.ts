// Which image a registry reference named when it was last fetched: `host/repo:tag` or `host/repo@digest` on a
// platform → the manifest's and the config's digests. An untrusted workspace never asks the registry, so this record
// is how it finds a cached analysis (keyed by config digest) for a reference. A digest reference's record never
// goes stale; a tag's is what the tag named at `fetchedAt`, and is shown as such.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileSafely } from '../files/safeWrite';
import { ANALYSER_VERSION } from './compute';

export interface RegistryRefRecord {
  readonly manifestDigest: string;
  readonly configDigest: string;
  /** ISO 8601. */
  readonly fetchedAt: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export class RegistryRefs {
  constructor(private readonly cacheDir: string) {}

  private file(host: string, repo: string, ref: string, platform: string): string {
    const key = createHash('sha256')
      .update(JSON.stringify([host, repo, ref, platform]))
      .digest('hex');
    return join(this.cacheDir, `v${ANALYSER_VERSION}`, 'registry-refs', `${key}.json`);
  }

  /** The record for the reference, or null when it was never fetched here (or its record cannot be read). */
  async read(host: string, repo: string, ref: string, platform: string): Promise<RegistryRefRecord | null> {
    let text: string;
    try {
      text = await readFile(this.file(host, repo, ref, platform), 'utf8');
    } catch {
      // Absent (never fetched) or unreadable: nothing is known of this reference either way.
      return null;
    }
    try {
      const r = JSON.parse(text) as Partial<RegistryRefRecord>;
      return typeof r.manifestDigest === 'string' &&
        DIGEST.test(r.manifestDigest) &&
        typeof r.configDigest === 'string' &&
        DIGEST.test(r.configDigest) &&
        typeof r.fetchedAt === 'string'
        ? { manifestDigest: r.manifestDigest, configDigest: r.configDigest, fetchedAt: r.fetchedAt }
        : null;
    } catch {
      // A record cut short or hand-edited: a miss, rewritten by the next fetch.
      return null;
    }
  }

  async write(host: string, repo: string, ref: string, platform: string, record: RegistryRefRecord): Promise<void> {
    const file = this.file(host, repo, ref, platform);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFileSafely(file, JSON.stringify(record));
  }
}
