// Images analysed straight from their registry for the editor ("Analyse Registry Image…", a FROM line's hover): the
// CLI's path (registry/reference → RegistryClient with the docker config's credentials → resolveRegistryImage →
// analyzeImage), results kept by the reference as typed for the explorer. In an untrusted workspace nothing is
// fetched: the reference is looked up in what an earlier fetch recorded (AnalysisCache's registry reference record),
// and only a cached analysis is served.
import { AbortedError, analyzeImage, cachedRegistryAnalysis, type AnalyzedImage } from '../analysis/analyze';
import { AnalysisCache } from '../analysis/cache';
import { formatBytes } from '../core/format';
import { ArchiveFormatError } from '../engine/archiveError';
import { hostPlatform } from '../engine/platform';
import type { RegistryAnalysisResult, Settings } from '../protocol';
import { RegistryClient, RegistryError } from '../registry/client';
import { resolveRegistryImage } from '../registry/image';
import { mirroredRef, registryRef, type RegistryRef } from '../registry/reference';

export interface RegistryImagesDeps {
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly trusted: boolean;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

type RegistrySettings = Settings['registry'];

/** How many registry images the explorer keeps in memory (the disk cache keeps every one). */
const KEEP = 8;

const UNTRUSTED_FETCH =
  'Restricted Mode: images are not fetched from registries in an untrusted workspace; trust the workspace to fetch it';

export class RegistryImages {
  private readonly images = new Map<string, AnalyzedImage>();
  private readonly cache: AnalysisCache;

  constructor(private readonly deps: RegistryImagesDeps) {
    this.cache = new AnalysisCache(deps.cacheDir);
  }

  /** The analysis `ref` got from the last successful analyse(). */
  get(ref: string): AnalyzedImage | undefined {
    return this.images.get(ref);
  }

  /** Fetches and analyses `text` (or, untrusted, serves what the cache has of it); never throws but for a bug. */
  async analyse(
    text: string,
    settings: RegistrySettings,
    signal: AbortSignal,
    onProgress?: (message: string, percent: number | null) => void,
  ): Promise<RegistryAnalysisResult> {
    const ref = text.trim();
    const r = mirroredRef(ref, settings.mirror);
    const answer = (ok: boolean, message: string, cached = false): RegistryAnalysisResult => ({
      ok,
      ref,
      message,
      cached,
    });
    const problem = referenceProblem(ref);
    if (problem || !r) return answer(false, problem ?? ref);
    if (!this.deps.trusted) return this.fromCacheOnly(ref, r);
    try {
      // A mirror named with http:// is spoken to over plain HTTP, as if listed in the insecure setting.
      const insecure = r.insecure ? [...settings.insecure, r.host] : settings.insecure;
      const result = await this.fetch(r, insecure, signal, onProgress);
      this.keep(ref, result);
      return answer(true, summary(ref, result), result.cached !== null);
    } catch (e) {
      if (e instanceof AbortedError || signal.aborted) return answer(false, `the analysis of ${ref} was cancelled`);
      // Expected failures (the registry, a torn or odd blob) are one line; anything else is a bug, logged in full.
      const expected = e instanceof RegistryError || e instanceof ArchiveFormatError;
      const line = (e as Error).message.split('\n')[0] ?? String(e);
      this.deps.error(`dfsize: the analysis of ${ref} failed: ${expected ? line : ((e as Error).stack ?? String(e))}`);
      return answer(false, line);
    }
  }

  private async fetch(
    r: RegistryRef,
    insecure: readonly string[],
    signal: AbortSignal,
    onProgress?: (message: string, percent: number | null) => void,
  ): Promise<AnalyzedImage> {
    const client = new RegistryClient(r.host, { env: this.deps.env, insecure: insecure.includes(r.host), signal });
    const platform = hostPlatform();
    const image = await resolveRegistryImage(client, r.repo, r.ref, platform);
    const result = await analyzeImage(
      { registry: client, image },
      {
        cache: this.cache,
        signal,
        onProgress:
          onProgress &&
          ((p) =>
            p.phase === 'computing'
              ? onProgress('computing waste…', null)
              : onProgress(
                  `${formatBytes(p.bytes)} read`,
                  p.totalBytes ? Math.min(99, Math.floor((100 * p.bytes) / p.totalBytes)) : null,
                )),
      },
    );
    const record = {
      manifestDigest: image.manifest.digest,
      configDigest: image.config.digest,
      fetchedAt: new Date().toISOString(),
    };
    // Only Restricted Mode reads this record: a failure to write it costs that, not this analysis.
    if (!(await this.cache.writeRegistryRef({ ...r, platform }, record)))
      this.deps.error(`dfsize: could not record which image ${r.host}/${r.repo}:${r.ref} is in ${this.cache.dir}`);
    return result;
  }

  /** Restricted Mode: the analysis an earlier fetch of the same reference cached, or why there is none. */
  private async fromCacheOnly(ref: string, r: RegistryRef): Promise<RegistryAnalysisResult> {
    const record = await this.cache.readRegistryRef({ ...r, platform: hostPlatform() });
    let result: AnalyzedImage | null = null;
    try {
      result = record && (await cachedRegistryAnalysis(this.cache, record.configDigest));
    } catch (e) {
      // A damaged cache entry: reported as not cached (it cannot be fetched again here), and logged.
      this.deps.error(`dfsize: the cached analysis of ${ref} could not be read: ${String(e)}`);
    }
    if (!record || !result)
      return { ok: false, ref, message: `${UNTRUSTED_FETCH} (no analysis of ${ref} is cached)`, cached: false };
    this.keep(ref, result);
    const when = record.fetchedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    const asOf = r.ref.startsWith('sha256:') ? '' : ` as the tag was on ${when}`;
    this.deps.log(`dfsize: Restricted Mode: ${ref} served from the cache${asOf}, nothing fetched`);
    return {
      ok: true,
      ref,
      message: `${summary(ref, result)} — from the cache${asOf}; Restricted Mode fetches nothing`,
      cached: true,
    };
  }

  private keep(ref: string, result: AnalyzedImage): void {
    this.images.delete(ref);
    this.images.set(ref, result);
    for (const old of this.images.keys()) if (this.images.size > KEEP) this.images.delete(old);
  }
}

/** Why `text` is no reference `dfsize analyze` could fetch (one line that says what to write), or null. */
export function referenceProblem(text: string): string | null {
  const ref = text.trim();
  if (!ref) return 'name an image: REGISTRY/REPOSITORY[:TAG|@DIGEST], e.g. ghcr.io/org/app:1.2 or debian:12';
  return /\s/.test(ref) || !registryRef(ref)
    ? `${ref} is not an image reference: name it REGISTRY/REPOSITORY[:TAG|@DIGEST]`
    : null;
}

function summary(ref: string, result: AnalyzedImage): string {
  const { analysis } = result;
  const size = formatBytes(analysis.layers.reduce((n, l) => n + l.sizeBytes, 0));
  return `${ref}: ${String(analysis.layers.length)} layers, ${size}, efficiency ${(analysis.dive.efficiencyScore * 100).toFixed(1)}%`;
}
