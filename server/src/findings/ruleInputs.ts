// What the size rules need beyond the Dockerfile, gathered once for a document (editor) or a command (CLI): the
// build context on disk, base image sizes, and — per re-parsed text, so fix-all's later passes still know sizes and
// the builder — the match against the image, each line's layer, and what the analysis measured.
import { dirname } from 'node:path';
import type { ImageAnalysis, LayerContents } from '../core/analysis';
import type { DockerfileModel } from '../core/dockerfile';
import type { ImageInfo } from '../core/history';
import { layersForImage, type RowLayers } from '../core/layers';
import { matchHistory, type MatchOptions, type MatchResult } from '../core/match';
import type { ReportFinding } from '../core/report';
import { DEFAULT_MIN_BYTES, layerOfFromMatch, type Finding, type RuleContext } from '../core/rules/index';
import { readBuildContext } from '../context/buildContext';
import type { ImageSource } from '../engine/source';
import { AnalysisCache, defaultCacheDir } from '../analysis/cache';
import { TABLE_DATE } from '../core/rules/baseImages';
import { baseImageSizes, registrySizing, type BaseSizes, type SizesFrom } from '../images/baseSizes';

export interface GatheredInputs {
  readonly buildContext: RuleContext['buildContext'];
  readonly imageSizes: ReadonlyMap<string, number>;
  readonly imageSizesFrom: SizesFrom | null;
  readonly imageSizesRegistry: string | null;
}

/**
 * The IO part: the build context (the Dockerfile's folder, as `docker build -f DIR/Dockerfile DIR` has it) and base
 * sizes (the engine, else Docker Hub or DFSIZE_REGISTRY_MIRROR). `warn` hears why a registry gave no sizes.
 */
export async function gatherInputs(
  dockerfilePath: string | null,
  model: DockerfileModel,
  source: ImageSource | null,
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): Promise<GatheredInputs> {
  const registry = registrySizing(env.DFSIZE_REGISTRY_MIRROR ?? '', env, new AnalysisCache(defaultCacheDir(env)));
  const [context, bases] = await Promise.all([
    dockerfilePath ? readBuildContext(dirname(dockerfilePath)) : Promise.resolve(null),
    baseImageSizes(model, { source, registry }),
  ]);
  if (bases.problem) warn(`base image sizes: ${bases.problem}; the table of ${TABLE_DATE} is used`);
  return inputsOf(context, bases);
}

/**
 * The CLI's `warn` for gatherInputs: a configured mirror that gives no sizes always says why; Docker Hub (which a CI
 * machine often cannot reach, and the finding then says the table was used) only under --verbose.
 */
export function baseSizeWarnings(
  env: Readonly<Record<string, string | undefined>>,
  verbose: boolean,
  stderr: (text: string) => void,
): (message: string) => void {
  return (m) => {
    if (verbose || env.DFSIZE_REGISTRY_MIRROR) stderr(`dfsize: ${m}\n`);
  };
}

/** What the rules read of the gathered inputs. */
export function inputsOf(buildContext: RuleContext['buildContext'], bases: BaseSizes): GatheredInputs {
  return {
    buildContext,
    imageSizes: bases.sizes,
    imageSizesFrom: bases.from,
    imageSizesRegistry: bases.registry,
  };
}

export interface Measured {
  readonly analysis: ImageAnalysis;
  readonly contents: LayerContents | null;
  /** The image's history as the analysis read it (with empty_layer). */
  readonly info?: ImageInfo;
}

/**
 * A RuleContext for any text of the file: the inputs stay, the match is redone for the text. `known`: the match and
 * row pairing a caller already made for one model (the editor's, for the current text), used as they are for it.
 */
export function contextFactory(
  inputs: GatheredInputs,
  image: { readonly info: ImageInfo; readonly matchOptions: MatchOptions } | null,
  measured: Measured | null,
  minBytes: number,
  known?: { readonly model: DockerfileModel; readonly match: MatchResult; readonly layerOf: RowLayers['layerOf'] },
): (model: DockerfileModel) => RuleContext {
  return (model) => {
    const reuse = known?.model === model ? known : undefined;
    const match = reuse ? reuse.match : image ? matchHistory(model, image.info, image.matchOptions) : null;
    // With an analysis, its history knows each row's empty_layer: the pairing is then exact.
    const rows = reuse
      ? reuse.layerOf
      : match
        ? layersForImage(measured?.info ?? image!.info, model, match.builder).layerOf
        : [];
    return {
      model,
      match,
      builder: match ? match.builder : null,
      analysis: measured?.analysis ?? null,
      contents: measured?.contents ?? null,
      layerOf: layerOfFromMatch(match, rows),
      buildContext: inputs.buildContext,
      imageSizes: inputs.imageSizes,
      ...(inputs.imageSizesFrom ? { imageSizesFrom: inputs.imageSizesFrom } : {}),
      ...(inputs.imageSizesRegistry ? { imageSizesRegistry: inputs.imageSizesRegistry } : {}),
      minBytes,
    };
  };
}

/** DFSIZE_MIN_BYTES for the CLI (the editor has dockerfileSize.rules.minBytes). */
export function minBytesOf(env: Readonly<Record<string, string | undefined>>): number {
  const n = Number(env.DFSIZE_MIN_BYTES);
  return env.DFSIZE_MIN_BYTES && Number.isFinite(n) && n >= 0 ? n : DEFAULT_MIN_BYTES;
}

/** Findings as the report's JSON has them (1-based lines). */
export function reportFindings(findings: readonly Finding[]): ReportFinding[] {
  return findings.map((f) => ({
    code: f.code,
    line: f.range.start.line + 1,
    endLine: f.range.end.line + 1,
    severity: f.severity,
    message: f.message,
    savingsBytes: f.savingsBytes,
    fixable: f.fixes.length > 0,
  }));
}
