// What the layer analysis (server/src/analysis) tells the rest of the product, as plain data. Layers are indexes into
// the image's RootFS.Layers (bottom first), never Dockerfile lines: lines come from the matcher when asked, so an
// edit cannot make a cached analysis lie.

/**
 * Images up to this many bytes are analysed without being asked: by the editor (the default of
 * dockerfileSize.analysis.maxAutoBytes) and by `dfsize report` / `dfsize fix` (--max-analyze-bytes).
 */
export const MAX_AUTO_ANALYSIS_BYTES = 2_000_000_000;

/** dive's figures, exactly as dive computes them (names from dive's own JSON). */
export interface DiveFigures {
  readonly efficiencyScore: number;
  readonly inefficientBytes: number;
  readonly sizeBytes: number;
  readonly userSizeBytes: number;
  /** A fraction; dive prints it ×100. */
  readonly userWastedPercent: number;
  readonly fileReference: ReadonlyArray<{ readonly file: string; readonly count: number; readonly sizeBytes: number }>;
}

export interface LayerFacts {
  readonly index: number;
  /** The layer's diffID. */
  readonly digest: string;
  readonly sizeBytes: number;
  readonly added: number;
  readonly modified: number;
  readonly removed: number;
  /** Bytes this layer adds that a later layer deletes or overwrites (what a better Dockerfile would not ship). */
  readonly removableBytes: number;
  /** The largest paths this layer added or modified, biggest first (at most 10). */
  readonly topPaths: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
}

export interface WasteItem {
  readonly path: string;
  readonly bytes: number;
  readonly kind: 'deleted' | 'overwritten';
  readonly addedLayer: number;
  /** The layer that deleted or overwrote it. */
  readonly removedLayer: number;
}

export interface ImageAnalysis {
  /** The analyser's version: part of every cache key. */
  readonly version: number;
  readonly imageId: string;
  readonly dive: DiveFigures;
  /** Σ of the removable bytes: shipped, yet deleted or overwritten later (the copy that stays is not counted). */
  readonly removableBytes: number;
  readonly layers: readonly LayerFacts[];
  readonly attribution: readonly WasteItem[];
}

/** Measured bytes by path, for messages like "/var/lib/apt/lists adds 18.4 MB to this layer". */
export interface LayerContents {
  /** Bytes `layer` added or modified under `prefix` (a directory path, no trailing slash; '/' for all). */
  addedUnder(layer: number, prefix: string): number;
}
