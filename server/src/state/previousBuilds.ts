// What the previous build of each Dockerfile measured, line by line, so that after a rebuild every hint can show its
// change (`45.3 MB (+12.1 MB)`). Kept as numbers in the server's storage folder, not as an image: a
// `docker image prune` cannot take it away.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface PreviousBuild {
  readonly imageId: string;
  readonly ref: string;
  readonly sizeBytes: number;
  /** 1-based line → layer bytes (the instruction's first line). */
  readonly lines: ReadonlyMap<number, number>;
  readonly recordedAt: string;
}

interface Stored { imageId: string; ref: string; sizeBytes: number; lines: Array<[number, number]>; recordedAt: string }

export class PreviousBuilds {
  private readonly byFile = new Map<string, PreviousBuild>();
  private loaded: Promise<void> | null = null;

  constructor(private readonly file: string | null) {}

  static inFolder(dir: string | null): PreviousBuilds {
    return new PreviousBuilds(dir ? join(dir, 'previous-builds.json') : null);
  }

  async get(dockerfile: string): Promise<PreviousBuild | undefined> {
    await this.load();
    return this.byFile.get(dockerfile);
  }

  async record(dockerfile: string, build: Omit<PreviousBuild, 'recordedAt'>): Promise<void> {
    await this.load();
    this.byFile.set(dockerfile, { ...build, recordedAt: new Date().toISOString() });
    if (!this.file) return;
    const data: Record<string, Stored> = {};
    for (const [k, v] of this.byFile) data[k] = { imageId: v.imageId, ref: v.ref, sizeBytes: v.sizeBytes, lines: [...v.lines], recordedAt: v.recordedAt };
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, this.file);
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!this.file) return;
      try {
        const data = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Stored>;
        for (const [k, v] of Object.entries(data)) this.byFile.set(k, { ...v, lines: new Map(v.lines) });
      } catch {
        // none yet, or unreadable: start afresh
      }
    })();
    return this.loaded;
  }
}
