// The contract of a size rule: pure (the model, the match and what was measured go in; findings with their fixes as
// text edits come out), one rule per file, a stable string code per rule.
import type { Range, TextEdit } from 'vscode-languageserver-types';
import type { ImageAnalysis, LayerContents } from '../analysis';
import type { DockerfileModel } from '../dockerfile';
import type { BuilderKind } from '../history';
import type { MatchResult } from '../match';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface Fix {
  readonly title: string;
  /** Never overlapping (the LSP requires it). */
  readonly edits: readonly TextEdit[];
  /** The one fix that is clearly right (`isPreferred`), the one fix-all applies. */
  readonly preferred: boolean;
  /** Changes to other files of the build context (`.dockerignore`), beside the Dockerfile's edits. */
  readonly files?: readonly FileChange[];
}

/** An edit of a file in the build context other than the Dockerfile. */
export interface FileChange {
  /** Relative to the build context's root, '/'-separated. */
  readonly path: string;
  /** True when the file does not exist yet: create it, then apply `edits` to the empty file. */
  readonly create: boolean;
  /** Against the file's content as the rule saw it (RuleContext.buildContext.dockerignore). */
  readonly edits: readonly TextEdit[];
  /** Context paths the change should name but cannot (a line break in the name): the caller says so. */
  readonly omitted?: readonly string[];
}

export interface Finding {
  readonly code: string;
  readonly range: Range;
  readonly severity: Severity;
  readonly message: string;
  /** Measured on the image when the analysis knows; null otherwise. */
  readonly savingsBytes: number | null;
  readonly fixes: readonly Fix[];
}

/** A file in the build context, for the .dockerignore rule (gathered outside core). */
export interface ContextFile {
  readonly path: string;
  readonly bytes: number;
}

export interface RuleContext {
  readonly model: DockerfileModel;
  /** The match against the last build, when there is one (which stages reach the image, sizes per line). */
  readonly match: MatchResult | null;
  /** Which builder the fixes must suit: null when unknown (then only what both builders accept). */
  readonly builder: BuilderKind | null;
  /** The image's analysis (waste and its attribution by layer), when it was analysed. */
  readonly analysis: ImageAnalysis | null;
  /** Measured contents per layer, when the image was analysed. */
  readonly contents: LayerContents | null;
  /** Layer index of each instruction (by model index), from the match; null where unknown. */
  readonly layerOf: (instruction: number) => number | null;
  /**
   * The build context and its .dockerignore, when the caller could read them. `files` are the files Docker would send
   * (the current .dockerignore already applied); `truncated` when the listing stopped at its bound.
   */
  readonly buildContext: {
    readonly files: readonly ContextFile[];
    readonly dockerignore: string | null;
    readonly truncated?: boolean;
  } | null;
  /** Known sizes of image references (engine or registry), for large-base-image. */
  readonly imageSizes: ReadonlyMap<string, number>;
  /**
   * Where imageSizes came from: the engine (uncompressed, as `docker images` shows them), a registry's manifests
   * (compressed layer bytes), or cached layer analyses of the registry's images (uncompressed). Both sizes of one
   * comparison always come from the same place.
   */
  readonly imageSizesFrom?: 'engine' | 'registry' | 'analysis';
  /** The registry imageSizes came from (its API host), for `registry` and `analysis`. */
  readonly imageSizesRegistry?: string;
  /** Findings below this many measured bytes are hints, not warnings. */
  readonly minBytes: number;
  /**
   * Work the rules share within one evaluation (the line index, each RUN's parsed script). computeFindings gives
   * every call a fresh one; callers building a RuleContext leave it out.
   */
  readonly memo?: Map<string, unknown>;
  /**
   * The codes that do not run in this evaluation (settings, or fix-all's --only): set by computeFindings. Rules read
   * it where one rule's fix decides what another may claim (a join that another rule's fix makes instead).
   */
  readonly disabled?: ReadonlySet<string>;
}

export interface SizeRule {
  readonly code: string;
  evaluate(ctx: RuleContext): Finding[];
}
