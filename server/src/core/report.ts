// The report of one Dockerfile against one image: the JSON contract of `dfsize report --json` (README), built
// from the model and the match. Lines are 1-based here, as in all CLI output.
import type { LineTimings } from './buildTiming';
import type { DockerfileModel } from './dockerfile';
import type { BuilderKind, ImageInfo, SizeMeasure } from './history';
import type { MatchResult, Status } from './match';

export interface ReportImage {
  readonly ref: string;
  readonly id: string;
  readonly sizeBytes: number;
  readonly builder: BuilderKind;
  readonly source: 'engine' | 'archive' | 'registry';
  /** What `layerBytes` and the base's size count: file bytes (as `dfsize analyze` does) or snapshot disk usage. */
  readonly sizeMeasure: SizeMeasure;
}

export interface ReportInstruction {
  readonly line: number;
  readonly endLine: number;
  readonly keyword: string;
  /** 0-based stage index; -1 for ARGs before the first FROM. */
  readonly stage: number;
  readonly stageName: string | null;
  readonly layerBytes: number | null;
  readonly status: Status;
  readonly rebuilds: boolean;
  /** How long the line took in the recorded build that made the image (`dfsize build`); null when not recorded. */
  readonly buildMs: number | null;
  /** Whether that build took the line from its cache; null when not recorded. */
  readonly cached: boolean | null;
}

export interface ReportFinding {
  readonly code: string;
  readonly line: number;
  readonly endLine: number;
  readonly severity: 'error' | 'warning' | 'info' | 'hint';
  readonly message: string;
  readonly savingsBytes: number | null;
  readonly fixable: boolean;
}

export interface ReportAnalysis {
  readonly efficiencyScore: number;
  readonly inefficientBytes: number;
  readonly userWastedPercent: number;
  readonly removableBytes: number;
}

export interface Report {
  readonly dockerfile: string;
  readonly image: ReportImage | null;
  readonly base: { readonly line: number; readonly layers: number; readonly sizeBytes: number } | null;
  readonly instructions: readonly ReportInstruction[];
  readonly analysis: ReportAnalysis | null;
  readonly findings: readonly ReportFinding[];
}

export interface ReportInput {
  readonly dockerfile: string;
  readonly model: DockerfileModel;
  readonly image: { readonly info: ImageInfo; readonly ref: string; readonly source: ReportImage['source'] } | null;
  readonly match: MatchResult | null;
  readonly findings?: readonly ReportFinding[];
  readonly analysis?: ReportAnalysis | null;
  /** The recorded build of the image, by line: null when it was not built by `dfsize build` or the editor. */
  readonly timings?: LineTimings | null;
}

export function buildReport(input: ReportInput): Report {
  const { model, match } = input;
  const instructions = model.instructions.map((inst, k): ReportInstruction => {
    const m = match?.instructions[k];
    const timing = input.timings?.get(inst.range.start.line + 1);
    return {
      line: inst.range.start.line + 1,
      endLine: inst.range.end.line + 1,
      keyword: inst.keyword,
      stage: inst.stage,
      stageName: model.stages[inst.stage]?.name ?? null,
      layerBytes: m?.layerBytes ?? null,
      status: m?.status ?? (inst.stage < 0 ? 'metadata' : 'not-built'),
      rebuilds: m?.rebuilds ?? false,
      buildMs: timing?.ms ?? null,
      cached: timing?.cached ?? null,
    };
  });
  const base =
    match?.base && input.image
      ? {
          line: model.instructions[match.base.instruction]!.range.start.line + 1,
          layers: match.base.layers,
          sizeBytes: match.base.sizeBytes,
        }
      : null;
  return {
    dockerfile: input.dockerfile,
    image:
      input.image && match
        ? {
            ref: input.image.ref,
            id: input.image.info.id,
            sizeBytes: input.image.info.sizeBytes,
            builder: match.builder,
            source: input.image.source,
            sizeMeasure: input.image.info.sizeMeasure,
          }
        : null,
    base,
    instructions,
    analysis: input.analysis ?? null,
    findings: input.findings ?? [],
  };
}
