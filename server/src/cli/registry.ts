// `dfsize analyze REGISTRY/REPO:TAG|@DIGEST`: an image read straight from its registry, no engine involved — the
// manifest for the platform asked for (default this machine's), then its blobs, streamed through the archive reader.
import type { AnalysisCache } from '../analysis/cache';
import type { AnalyzedImage, AnalyzeOptions } from '../analysis/analyze';
import { RegistryClient } from '../registry/client';
import { resolveRegistryImage } from '../registry/image';
import { registryRef } from '../registry/reference';
import { UsageError } from './errors';
import { analyzeTarget } from './measure';
import type { CliIo } from './report';

export interface RegistryOptions {
  readonly cache: AnalysisCache | null;
  readonly platform?: string;
  /** Plain HTTP to a registry off this machine (`--insecure-registry`). */
  readonly insecure: boolean;
  /** Every tar header of every layer (`--dive-json`). */
  readonly onHeader?: AnalyzeOptions['onHeader'];
  /** `--cache-from`; `verifyLayers` with `--cache-to` (what is shared must match its diffID). */
  readonly layerSource?: AnalyzeOptions['layerSource'];
  readonly verifyLayers?: boolean;
}

export async function fromRegistry(text: string, io: CliIo, opts: RegistryOptions): Promise<AnalyzedImage> {
  const r = registryRef(text);
  if (!r) throw new UsageError(`${text} is not an image reference: name REGISTRY/REPOSITORY[:TAG|@DIGEST]`);
  if (opts.platform !== undefined && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(opts.platform))
    throw new UsageError(`--platform ${opts.platform}: name it as OS/ARCH[/VARIANT], e.g. linux/arm64`);
  const client = new RegistryClient(r.host, { env: io.env, insecure: opts.insecure });
  const image = await resolveRegistryImage(client, r.repo, r.ref, opts.platform);
  return analyzeTarget({ registry: client, image }, text, io, {
    cache: opts.cache,
    contents: false,
    onHeader: opts.onHeader,
    layerSource: opts.layerSource,
    verifyLayers: opts.verifyLayers,
  });
}
