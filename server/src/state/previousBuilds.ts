// What the previous build of each Dockerfile measured, line by line, so that after a rebuild every hint can show its
// change (`45.3 MB (+12.1 MB)`); and how long each line of the builds started here took, by the image they made.
// Kept as numbers in the server's storage folder, not as an image: a `docker image prune` cannot take it away.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { carryBuiltTimes, type LineTiming } from '../core/buildTiming';
import { writeFileSafely } from '../files/safeWrite';

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
    this.byFile.set(dockerfile, { ...build, recordedAt: new Date().toISOString() });
    await this.persist();
  }

  private async persist(): Promise<void> {
    const file = this.file;
    if (!file) return;
    // After the previous write, whatever became of it: one failed write (a full disk, a folder not yet there) must
    // not fail every later record; each reports only its own failure.
    const write = this.writing
      .catch(() => undefined)
      .then(async () => {
        await this.write(file);
        await this.writeTimings(timingsFile(file));
      });
    this.writing = write;
    await write;
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
    for (const [k, v] of this.byFile)
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
      const timings = timingsFile(this.file);
      const unreadable = [
        await this.read<Stored>(this.file, (k, v) => this.byFile.set(k, { ...v, lines: new Map(v.lines) })),
        await this.read<StoredTiming>(timings, (k, v) => this.timings.set(k, { ...v, lines: new Map(v.lines) })),
      ].filter((e) => e !== null);
      // None yet is the usual start; an unreadable or corrupt file is said so (once), and replaced by the next record.
      if (unreadable.length)
        this.warn(`previous builds in ${this.file} unreadable, starting afresh: ${unreadable.join('; ')}`);
    })();
    return this.loaded;
  }

  /** Each entry of a stored file; null when it was read or is not there yet, else why it cannot be read. */
  private async read<T>(file: string, add: (key: string, value: T) => void): Promise<string | null> {
    try {
      for (const [k, v] of Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, T>)) add(k, v);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : `${(e as Error).message}`;
    }
  }
}

/** The timings live beside the previous builds. */
function timingsFile(previousBuilds: string): string {
  return join(dirname(previousBuilds), 'build-timings.json');
}
