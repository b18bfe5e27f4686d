// The analysis cache on disk: per-layer entry lists keyed by diffID, image-level results keyed by image id, for
// archive files which image an unchanged file holds, and for registry references which image the last fetch named.
// Every key sits under the analyser's version, so a new analyser
// never reads an old result. Writes go to a temporary file renamed into place: a reader sees a whole file or none,
// and nothing half-written survives a crash (stale temporaries are swept).
//
// Two scopes, because trust flows one way: what came from an engine's own store (or from an archive whose layers
// were hashed against their diffIDs) is `trusted` and may serve anyone; what came from an unverified archive file is
// `archive` and serves archive analyses only — a doctored file must not change what the engine's image shows.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageAnalysis } from '../core/analysis';
import { writeFileSafely } from '../files/safeWrite';
import type { ImageInfo } from '../core/history';
import { ANALYSER_VERSION } from './compute';
import { deserializeList, serializedList, type LayerList } from './entries';

export type CacheScope = 'trusted' | 'archive';

/** An image's analysis as stored. */
export interface CachedImage {
  readonly imageId: string;
  readonly analysis: ImageAnalysis;
  /** The image's metadata and history (with empty_layer when the config was read). */
  readonly info: ImageInfo;
  readonly diffIds: readonly string[];
  readonly platform: string | null;
  readonly note: string | null;
}

/**
 * Which image a registry reference named when it was last fetched: `host/repo:tag` or `host/repo@digest` on a
 * platform → the manifest's and the config's digests. An untrusted workspace never asks the registry, so this record
 * is how it finds a cached analysis (keyed by config digest) for a reference. A digest reference's record never goes
 * stale; a tag's is what the tag named at `fetchedAt`, and is shown as such.
 */
export interface RegistryRefRecord {
  readonly manifestDigest: string;
  readonly configDigest: string;
  /** ISO 8601. */
  readonly fetchedAt: string;
}

/** A registry reference as fetched: the record's key. */
export interface RegistryRefKey {
  readonly host: string;
  readonly repo: string;
  readonly ref: string;
  readonly platform: string;
}

/** Small records kept beside the analyses, each in its own folder: archive files, registry references. */
type RecordArea = 'files' | 'registry-refs';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

const STALE_TMP_MS = 10 * 60 * 1000;

/** Where the CLI keeps its cache: $DFSIZE_CACHE_DIR, else $XDG_CACHE_HOME/dfsize, else ~/.cache/dfsize. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  if (env.DFSIZE_CACHE_DIR) return env.DFSIZE_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'dfsize');
  return join(home, '.cache', 'dfsize');
}

/** A digest as a file name (`sha256-<hex>`); anything else is hashed so no key can name a path outside the cache. */
function fileName(key: string): string {
  const m = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(key);
  return m ? `${m[1]}-${m[2]}.json` : `k-${createHash('sha256').update(key).digest('hex')}.json`;
}

export class AnalysisCache {
  /** Folders already swept of stale temporaries by this instance. */
  private readonly swept = new Set<string>();

  constructor(readonly dir: string) {}

  private path(scope: CacheScope | RecordArea, kind: 'images' | 'layers' | '', key: string): string {
    return join(this.dir, `v${ANALYSER_VERSION}`, scope, kind, fileName(key));
  }

  private async read(file: string): Promise<string | null> {
    try {
      return await readFile(file, 'utf8');
    } catch {
      // Absent or unreadable: a miss either way (the analysis is made again and rewrites it).
      return null;
    }
  }

  /** temp + rename (writeFileSafely): a reader sees the old file, the new one, or none — never a part. False on failure. */
  private async write(file: string, text: string | Iterable<string>): Promise<boolean> {
    const dir = join(file, '..');
    try {
      await mkdir(dir, { recursive: true });
      if (!this.swept.has(dir)) {
        this.swept.add(dir);
        await this.sweep(dir);
      }
      await writeFileSafely(file, text);
      return true;
    } catch {
      // Not cached (a full disk, a read-only folder, a link planted there): `false` says so; the analysis is complete.
      return false;
    }
  }

  /** Removes temporaries a crashed writer left behind (old enough that no live writer owns them). */
  private async sweep(dir: string): Promise<void> {
    // Best-effort sweep of stale temporary files: a folder that cannot be listed or a file gone meanwhile is no error.
    const names = await readdir(dir).catch(() => [] as string[]);
    const now = Date.now();
    await Promise.all(
      names
        .filter((n) => n.endsWith('.tmp'))
        .map(async (n) => {
          const p = join(dir, n);
          const st = await stat(p).catch(() => null);
          if (st && now - st.mtimeMs > STALE_TMP_MS) await unlink(p).catch(() => undefined);
        }),
    );
  }

  async readLayer(scope: CacheScope, diffId: string): Promise<LayerList | null> {
    const text = await this.read(this.path(scope, 'layers', diffId));
    return text === null ? null : deserializeList(text);
  }

  writeLayer(scope: CacheScope, diffId: string, list: LayerList): Promise<boolean> {
    return this.write(this.path(scope, 'layers', diffId), serializedList(list));
  }

  async readImage(scope: CacheScope, imageId: string): Promise<CachedImage | null> {
    const text = await this.read(this.path(scope, 'images', imageId));
    if (text === null) return null;
    try {
      const doc = JSON.parse(text) as CachedImage & { v?: number };
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON from disk: checked, not trusted
      if (doc.v !== ANALYSER_VERSION || doc.imageId !== imageId || !doc.analysis?.dive) return null;
      // JSON has no NaN or Infinity (dive's 0/0 and x/0): recomputed, as dive computes it.
      const d = doc.analysis.dive;
      const dive = { ...d, userWastedPercent: d.inefficientBytes / d.userSizeBytes };
      // Images cached before the size measure was recorded were measured in file bytes (dockerd's graph drivers).
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- absent in entries written before it
      const info = { ...doc.info, sizeMeasure: doc.info.sizeMeasure ?? 'layer-tar' };
      return { ...doc, info, analysis: { ...doc.analysis, dive } };
    } catch {
      // A corrupt entry (cut short, hand-edited): a miss, and the analysis rewrites it.
      return null;
    }
  }

  writeImage(scope: CacheScope, doc: CachedImage): Promise<boolean> {
    return this.write(this.path(scope, 'images', doc.imageId), JSON.stringify({ v: ANALYSER_VERSION, ...doc }));
  }

  /** A record's JSON, or null when it is absent, unreadable or corrupt (a miss: the next analysis rewrites it). */
  private async readRecord(area: RecordArea, key: string): Promise<Record<string, unknown> | null> {
    const text = await this.read(this.path(area, '', key));
    try {
      const doc: unknown = text === null ? null : JSON.parse(text);
      return doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : null;
    } catch {
      // A corrupt entry (cut short, hand-edited): a miss, as above.
      return null;
    }
  }

  private writeRecord(area: RecordArea, key: string, doc: object): Promise<boolean> {
    return this.write(this.path(area, '', key), JSON.stringify(doc));
  }

  /** Which image the archive file identified by `fileKey` holds, when it was analysed unchanged before. */
  async readArchiveFile(fileKey: string): Promise<{ imageId: string; scope: CacheScope } | null> {
    const doc = await this.readRecord('files', fileKey);
    return typeof doc?.imageId === 'string' && doc.imageId && (doc.scope === 'trusted' || doc.scope === 'archive')
      ? { imageId: doc.imageId, scope: doc.scope }
      : null;
  }

  writeArchiveFile(fileKey: string, imageId: string, scope: CacheScope): Promise<boolean> {
    return this.writeRecord('files', fileKey, { imageId, scope });
  }

  /** What the reference named when it was last fetched here, or null (never fetched, or its record is unreadable). */
  async readRegistryRef(at: RegistryRefKey): Promise<RegistryRefRecord | null> {
    const r = await this.readRecord('registry-refs', refKey(at));
    return typeof r?.manifestDigest === 'string' &&
      DIGEST.test(r.manifestDigest) &&
      typeof r.configDigest === 'string' &&
      DIGEST.test(r.configDigest) &&
      typeof r.fetchedAt === 'string'
      ? { manifestDigest: r.manifestDigest, configDigest: r.configDigest, fetchedAt: r.fetchedAt }
      : null;
  }

  writeRegistryRef(at: RegistryRefKey, record: RegistryRefRecord): Promise<boolean> {
    return this.writeRecord('registry-refs', refKey(at), record);
  }
}

function refKey(at: RegistryRefKey): string {
  return JSON.stringify([at.host, at.repo, at.ref, at.platform]);
}
