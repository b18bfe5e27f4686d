// A comparison as one screen of text, biggest cause first: `dfsize compare` prints it, the editor shows it as a
// read-only document. The numbers are compareBuilds'; this only lays them out.
import { MIN_PATH_DELTA, type ComparedInstruction, type Comparison } from './buildCompare';
import { formatBytes, formatDelta } from './format';

/** Causes listed in the summary at most. */
const TOP_CAUSES = 5;
/** An instruction's text is cut to this many characters. */
const TEXT_WIDTH = 48;

function imageLine(side: Comparison['old']): string {
  return `${side.ref} (${side.id.replace(/^sha256:/, '').slice(0, 12)}) ${formatBytes(side.sizeBytes)}`;
}

function bytesOrDash(n: number | null): string {
  return n === null ? '—' : formatBytes(n);
}

function where(i: ComparedInstruction, lineText: (line: number) => string): string {
  if (i.line === null) return `${i.keyword} (a line no longer in the file)`;
  const text = lineText(i.line).replace(/\s+/g, ' ').trim();
  return `line ${String(i.line)}: ${text.length > TEXT_WIDTH ? `${text.slice(0, TEXT_WIDTH - 1)}…` : text}`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, k) => Math.max(w[k] ?? 0, c.length)), []);
  return rows.map((r) =>
    r
      .map((c, k) => (k === r.length - 1 ? c : k === 0 ? c.padEnd(widths[k] ?? 0) : c.padStart(widths[k] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The summary: the whole change, then its biggest causes (the base and each instruction) by size. */
function causes(c: Comparison, lineText: (line: number) => string): string[] {
  const all = [
    {
      what: 'base image (FROM)',
      delta: c.base.deltaBytes,
      note: `${formatBytes(c.base.oldBytes)} → ${formatBytes(c.base.newBytes)}`,
    },
    ...c.instructions.map((i) => ({
      what: where(i, lineText),
      delta: i.deltaBytes,
      note: i.status === 'grew' || i.status === 'shrank' ? '' : i.status,
    })),
  ]
    .filter((x) => x.delta !== 0)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, TOP_CAUSES);
  if (!all.length) return ['No layer changed size.'];
  return ['Biggest causes:', ...table(all.map((x) => [`  ${x.what}`, formatDelta(x.delta), x.note]))];
}

export interface RenderOptions {
  /** A line of NEW's Dockerfile (1-based), to show beside its numbers. */
  readonly lineText: (line: number) => string;
  /** False when an image could not be analysed: its paths are unknown, not unchanged. */
  readonly pathsCompared: boolean;
}

export function renderComparison(c: Comparison, { lineText, pathsCompared }: RenderOptions): string {
  const added = c.instructions.filter((i) => i.status === 'added');
  const removed = c.instructions.filter((i) => i.status === 'removed');
  const sum = (xs: readonly ComparedInstruction[]) => xs.reduce((s, i) => s + i.deltaBytes, 0);
  const out = [
    `old  ${imageLine(c.old)}`,
    `new  ${imageLine(c.new)}`,
    `The image ${c.deltaBytes > 0 ? 'grew' : c.deltaBytes < 0 ? 'shrank' : 'kept its size'}: ${formatDelta(c.deltaBytes)}` +
      ` (base image ${formatDelta(c.base.deltaBytes)}, the Dockerfile's layers ${formatDelta(c.deltaBytes - c.base.deltaBytes)})`,
    '',
    ...causes(c, lineText),
    '',
    `Layers: ${String(added.length)} added (${formatDelta(sum(added))}), ${String(removed.length)} removed (${formatDelta(sum(removed))})`,
    ...table([
      ['  instruction', 'old', 'new', 'change', ''],
      ...c.instructions.map((i) => [
        `  ${where(i, lineText)}`,
        bytesOrDash(i.oldBytes),
        bytesOrDash(i.newBytes),
        formatDelta(i.deltaBytes),
        i.status,
      ]),
    ]),
    '',
  ];
  if (!pathsCompared) out.push('Paths: not compared (an image could not be analysed)');
  else if (!c.paths.length) out.push(`Paths: no directory changed by ${formatBytes(MIN_PATH_DELTA)} or more`);
  else
    out.push(
      'Paths (the final file system):',
      ...table(
        c.paths.map((p) => [
          `  ${p.path}`,
          formatBytes(p.oldBytes),
          formatBytes(p.newBytes),
          formatDelta(p.deltaBytes),
          p.change,
        ]),
      ),
    );
  return `${out.join('\n')}\n`;
}
