// What every feature asks of a document: its text and model against its image right now (Session.view makes it).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LineTimings } from '../core/buildTiming';
import type { DockerfileModel } from '../core/dockerfile';
import type { RowLayers } from '../core/layers';
import type { MatchOptions, MatchResult } from '../core/match';
import type { ImageState } from './documentImages';

export interface DocumentView {
  readonly doc: TextDocument;
  readonly model: DockerfileModel;
  readonly state: ImageState;
  /** Null when there is no image. */
  readonly match: MatchResult | null;
  /** The match against the image alone (no image built for another stage filling in) and its options: what the rules see. */
  readonly imageMatch: { readonly match: MatchResult; readonly options: MatchOptions } | null;
  readonly rowLayers: RowLayers | null;
  /** How long each line took in the build that made the image, when it was built here; null otherwise. */
  readonly timings: LineTimings | null;
}
