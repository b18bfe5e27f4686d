// What the previous build of each Dockerfile measured, line by line, so that after a rebuild every hint can show its
// change (`45.3 MB (+12.1 MB)`). Kept as numbers in the server's storage folder, not as an image: a
// `docker image prune` cannot take it away.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileSafely } from '../files/safeWrite';

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

  async get(dockerfile: string): Promise<PreviousBuild | undefined> {
    await this.load();
    return this.byFile.get(dockerfile);
  }

  async record(dockerfile: string, build: Omit<PreviousBuild, 'recordedAt'>): Promise<void> {
    await this.load();
    this.byFile.set(dockerfile, { ...build, recordedAt: new Date().toISOString() });
    const file = this.file;
    if (!file) return;
    // After the previous write, whatever became of it: one failed write (a full disk, a folder not yet there) must
    // not fail every later record; each reports only its own failure.
    const write = this.writing.catch(() => undefined).then(() => this.write(file));
    this.writing = write;
    await write;
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
      try {
        const data = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Stored>;
        for (const [k, v] of Object.entries(data)) this.byFile.set(k, { ...v, lines: new Map(v.lines) });
      } catch (e) {
        // None yet is the usual start; an unreadable or corrupt file is said so, and replaced by the next record.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          this.warn(`previous builds in ${this.file} unreadable, starting afresh: ${(e as Error).message}`);
      }
    })();
    return this.loaded;
  }
}
