// `dfsize analyze REGISTRY/REPO:TAG|@DIGEST`: an image read straight from its registry, no engine involved — the
// manifest for the platform asked for (default this machine's), then its blobs, streamed through the archive reader.
import type { AnalysisCache } from '../analysis/cache';
import type { AnalyzedImage, AnalyzeOptions } from '../analysis/analyze';
import type { DockerfileModel } from '../core/dockerfile';
import { targetStage, type ResolvedImage } from '../images/resolve';
import { RegistryClient } from '../registry/client';
import { resolveRegistryImage, type RegistryImage } from '../registry/image';
import { registryRef } from '../registry/reference';
import { UsageError } from './errors';
import { analyzeTarget } from './measure';
import type { CliIo } from './report';

/**
 * `dfsize report --image REGISTRY/REPO:TAG`: the image and its analysis from the registry (read by layer, cached), no
 * engine involved. The analysis is what gives the image's history, so it is always made (--no-analyze and the size
 * limit apply to engine and archive images).
 */
export async function registryReportImage(
  text: string,
  model: DockerfileModel,
  io: CliIo,
  opts: Omit<RegistryOptions, 'onHeader' | 'contents'>,
): Promise<{ image: ResolvedImage; measured: AnalyzedImage }> {
  const measured = await fromRegistry(text, io, { ...opts, contents: true });
  const { info } = measured;
  const image: ResolvedImage = {
    info,
    ref: text,
    source: 'registry',
    matchOptions: { stage: targetStage(model, info) },
    reason: `registry image ${text}`,
  };
  return { image, measured };
}

export interface RegistryOptions {
  readonly cache: AnalysisCache | null;
  readonly platform?: string;
  /** Plain HTTP (or unverified TLS) to a registry off this machine (`--insecure-registry`). */
  readonly insecure: boolean;
  /** The `--ca-cert` files' PEM text (readCaCerts): CAs trusted beside the default ones. */
  readonly ca: readonly string[];
  /** Every tar header of every layer (`--dive-json`). */
  readonly onHeader?: AnalyzeOptions['onHeader'];
  /** `--cache-from`; `verifyLayers` with `--cache-to` (what is shared must match its diffID). */
  readonly layerSource?: AnalyzeOptions['layerSource'];
  readonly verifyLayers?: boolean;
  /** Build the per-path contents too (what `report`'s measured findings read). */
  readonly contents?: boolean;
  /** Hears the registry (its API host) and the image manifest resolved, before any blob is read. */
  readonly onResolved?: (host: string, image: RegistryImage) => void;
}

export async function fromRegistry(text: string, io: CliIo, opts: RegistryOptions): Promise<AnalyzedImage> {
  const r = registryRef(text);
  if (!r) throw new UsageError(`${text} is not an image reference: name REGISTRY/REPOSITORY[:TAG|@DIGEST]`);
  if (opts.platform !== undefined && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(opts.platform))
    throw new UsageError(`--platform ${opts.platform}: name it as OS/ARCH[/VARIANT], e.g. linux/arm64`);
  const client = new RegistryClient(r.host, { env: io.env, insecure: opts.insecure, ca: opts.ca });
  const image = await resolveRegistryImage(client, r.repo, r.ref, opts.platform);
  opts.onResolved?.(r.host, image);
  return analyzeTarget({ registry: client, image }, text, io, {
    cache: opts.cache,
    contents: opts.contents ?? false,
    onHeader: opts.onHeader,
    layerSource: opts.layerSource,
    verifyLayers: opts.verifyLayers,
  });
}
