// What the previous build of each Dockerfile measured, line by line, so that after a rebuild every hint can show its
// change (`45.3 MB (+12.1 MB)`); and how long each line of the builds started here took, by the image they made.
// Kept as numbers, not as an image: a `docker image prune` cannot take them away. The files sit in the CLI's cache
// folder, where `dfsize compare previous` and `report` read them; several editors and the CLI may share them, so a
// record of a previous build merges with what is on disk before writing.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { carryBuiltTimes, type LineTiming } from '../core/buildTiming';
import { writeFileSafely } from '../files/safeWrite';
import { defaultCacheDir } from '../analysis/cache';

/** How one image was built: each instruction's duration and whether it came from the cache. */
export interface BuildTiming {
  readonly builder: 'buildkit' | 'legacy';
  /** 1-based first line of each timed instruction (in the Dockerfile as built) → its timing. */
  readonly lines: ReadonlyMap<number, LineTiming>;
  readonly recordedAt: string;
}

interface StoredTiming {
  builder: 'buildkit' | 'legacy';
  lines: Array<[number, LineTiming]>;
  recordedAt: string;
}

/** The timings of this many builds are kept (the newest): enough for every image a user still looks at. */
const MAX_TIMED_BUILDS = 500;

export interface PreviousBuild {
  readonly imageId: string;
  readonly ref: string;
  readonly sizeBytes: number;
  /** 1-based line → layer bytes (the instruction's first line). */
  readonly lines: ReadonlyMap<number, number>;
  readonly recordedAt: string;
}

interface Stored {
  imageId: string;
  ref: string;
  sizeBytes: number;
  lines: Array<[number, number]>;
  recordedAt: string;
}

/** Files remembered at most: the most lately recorded stay. */
const MAX_RECORDED_FILES = 200;

function fromStored(v: Stored): PreviousBuild {
  return { ...v, lines: new Map(v.lines) };
}

export class PreviousBuilds {
  private readonly byFile = new Map<string, PreviousBuild>();
  /** By image id, oldest first. */
  private readonly timings = new Map<string, BuildTiming>();
  private loaded: Promise<void> | null = null;
  /** Writes one after another: two builds of different files may record at once. */
  private writing: Promise<void> = Promise.resolve();

  /** `warn` hears of a stored file that cannot be read (then it starts afresh and the next record replaces it). */
  constructor(
    private readonly file: string | null,
    private readonly warn: (message: string) => void,
  ) {}

  static inFolder(dir: string | null, warn: (message: string) => void): PreviousBuilds {
    return new PreviousBuilds(dir ? join(dir, 'previous-builds.json') : null, warn);
  }

  /** The one the editor and every `dfsize` command share: in the CLI's cache folder (DFSIZE_CACHE_DIR, …). */
  static inCliCache(
    env: Readonly<Record<string, string | undefined>>,
    warn: (message: string) => void,
  ): PreviousBuilds {
    return PreviousBuilds.inFolder(defaultCacheDir(env), warn);
  }

  /** The timings of the build that made `imageId`, when it was built here (the editor or `dfsize build`). */
  async timing(imageId: string): Promise<BuildTiming | undefined> {
    await this.load();
    return this.timings.get(imageId);
  }

  async recordTiming(imageId: string, timing: Omit<BuildTiming, 'recordedAt'>): Promise<void> {
    await this.load();
    const before = this.timings.get(imageId);
    this.timings.delete(imageId);
    const lines = carryBuiltTimes(before?.lines, timing.lines);
    this.timings.set(imageId, { ...timing, lines, recordedAt: new Date().toISOString() });
    for (const old of this.timings.keys()) {
      if (this.timings.size <= MAX_TIMED_BUILDS) break;
      this.timings.delete(old);
    }
    await this.persist();
  }

  async get(dockerfile: string): Promise<PreviousBuild | undefined> {
    await this.load();
    return this.byFile.get(dockerfile);
  }

  async record(dockerfile: string, build: Omit<PreviousBuild, 'recordedAt'>): Promise<void> {
    await this.load();
    const recorded = { ...build, recordedAt: new Date().toISOString() };
    this.byFile.set(dockerfile, recorded);
    await this.persist(async (file) => {
      await this.merge(file);
      this.byFile.set(dockerfile, recorded);
    });
  }

  /** Writes both files once `before` ran; one after another, whatever became of the write before. */
  private async persist(before: (file: string) => Promise<void> = () => Promise.resolve()): Promise<void> {
    const file = this.file;
    if (!file) return;
    // After the previous write, whatever became of it: one failed write (a full disk, a folder not yet there) must
    // not fail every later record; each reports only its own failure.
    const write = this.writing
      .catch(() => undefined)
      .then(async () => {
        await before(file);
        await this.write(file);
        await this.writeTimings(timingsFile(file));
      });
    this.writing = write;
    await write;
  }

  /** What another process recorded since: the newer record of each file wins. An unreadable file is replaced. */
  private async merge(file: string): Promise<void> {
    let stored: Record<string, Stored> = {};
    try {
      stored = await readStored<Stored>(file);
    } catch (e) {
      // None yet, or a folder that cannot be read: the write that follows fails with its own error if it must.
      if (e instanceof SyntaxError)
        this.warn(`previous builds in ${file} not JSON, replaced by this record: ${e.message}`);
    }
    for (const [k, v] of Object.entries(stored)) {
      const mine = this.byFile.get(k);
      if (!mine || mine.recordedAt < v.recordedAt) this.byFile.set(k, fromStored(v));
    }
  }

  private async writeTimings(file: string): Promise<void> {
    const data: Record<string, StoredTiming> = {};
    for (const [id, t] of this.timings)
      data[id] = { builder: t.builder, lines: [...t.lines], recordedAt: t.recordedAt };
    await writeFileSafely(file, JSON.stringify(data));
  }

  /** The whole map, as it is now: temp + rename (writeFileSafely), so a reader sees the old file or the new one. */
  private async write(file: string): Promise<void> {
    const data: Record<string, Stored> = {};
    const newest = [...this.byFile].sort(([, a], [, b]) => (a.recordedAt < b.recordedAt ? 1 : -1));
    for (const [k, v] of newest.slice(0, MAX_RECORDED_FILES))
      data[k] = {
        imageId: v.imageId,
        ref: v.ref,
        sizeBytes: v.sizeBytes,
        lines: [...v.lines],
        recordedAt: v.recordedAt,
      };
    await mkdir(dirname(file), { recursive: true });
    await writeFileSafely(file, JSON.stringify(data));
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!this.file) return;
      try {
        for (const [k, v] of Object.entries(await readStored<Stored>(this.file))) this.byFile.set(k, fromStored(v));
        const timings = await readStored<StoredTiming>(timingsFile(this.file)).catch((e: unknown) => {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
          throw e;
        });
        for (const [k, v] of Object.entries(timings)) this.timings.set(k, { ...v, lines: new Map(v.lines) });
      } catch (e) {
        // None yet is the usual start; an unreadable or corrupt file is said so, and replaced by the next record.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          this.warn(`previous builds in ${this.file} unreadable, starting afresh: ${(e as Error).message}`);
      }
    })();
    return this.loaded;
  }
}

/** A stored map; throws what reading or parsing throws (ENOENT: none yet). */
async function readStored<T>(file: string): Promise<Record<string, T>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, T>;
}

/** The timings live beside the previous builds. */
function timingsFile(previousBuilds: string): string {
  return join(dirname(previousBuilds), 'build-timings.json');
}
