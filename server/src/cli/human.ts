// `dfsize report` for people: the Dockerfile with each layer's size at the end of the line that made it.
import { formatBytes, plural } from '../core/format';
import { SIZE_MEASURE_TEXT } from '../core/history';
import type { Report, ReportInstruction } from '../core/report';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  warn(s: string): string;
}

export const plain: Style = { bold: (s) => s, dim: (s) => s, warn: (s) => s };
export const ansi: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  warn: (s) => `\x1b[33m${s}\x1b[39m`,
};

const BUILDER_NAMES = {
  legacy: 'legacy builder',
  buildkit: 'BuildKit',
  podman: 'Podman/buildah',
  kaniko: 'kaniko',
  unknown: 'unknown builder',
} as const;

/** The note at the end of an instruction's last line, or null. */
export function sizeNote(i: ReportInstruction, report: Report, style: Style): string | null {
  if (i.status === 'not-built') return report.image && i.stage >= 0 ? style.dim('not built') : null;
  if (i.status === 'base' && report.base) {
    const extra =
      i.layerBytes !== null && i.layerBytes > report.base.sizeBytes
        ? ` + ONBUILD ${formatBytes(i.layerBytes - report.base.sizeBytes)}`
        : '';
    return (
      style.bold(`base ${formatBytes(report.base.sizeBytes)}`) + ` · ${plural(report.base.layers, 'layer')}${extra}`
    );
  }
  if (i.status === 'stale') {
    return style.warn(i.layerBytes === null ? 'new · not built yet' : `≈ ${formatBytes(i.layerBytes)} · edited`);
  }
  const rebuild = i.rebuilds ? style.warn(' · rebuilds') : '';
  if (i.status === 'matched' && i.layerBytes !== null) return style.bold(formatBytes(i.layerBytes)) + rebuild;
  return rebuild ? rebuild.slice(3) : null;
}

export function renderReport(report: Report, text: string, style: Style): string {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  const notes = new Map<number, string>();
  for (const i of report.instructions) {
    const note = sizeNote(i, report, style);
    if (note) notes.set(i.endLine, note);
  }
  const width = Math.min(72, Math.max(20, ...lines.map((l) => l.length)));
  const gutter = String(lines.length).length;
  const out: string[] = [header(report, style), ''];
  lines.forEach((line, k) => {
    const n = k + 1;
    const note = notes.get(n);
    const body = note ? `${line.padEnd(width)}  ${note}` : line;
    out.push(`${style.dim(String(n).padStart(gutter))} │ ${body}`.trimEnd());
  });
  out.push('', summary(report, style));
  for (const f of report.findings) {
    out.push(
      `${f.severity}: line ${f.line}: ${f.message} [${f.code}]${f.savingsBytes ? ` (saves ${formatBytes(f.savingsBytes)})` : ''}`,
    );
  }
  return out.join('\n') + '\n';
}

function header(report: Report, style: Style): string {
  const img = report.image;
  if (!img) return `${report.dockerfile}: no image (sizes appear once the Dockerfile is built)`;
  const id = img.id.replace(/^sha256:/, '').slice(0, 12);
  return `${report.dockerfile} → ${style.bold(img.ref)} (${id}) · ${formatBytes(img.sizeBytes)} · ${BUILDER_NAMES[img.builder]} · from ${img.source}`;
}

function summary(report: Report, style: Style): string {
  if (!report.image) return `${plural(report.instructions.length, 'instruction')}, no image to measure.`;
  // Edited lines still have their layer in the image (with its old size).
  const layers = report.instructions.filter(
    (i) => (i.status === 'matched' || i.status === 'stale') && i.layerBytes !== null,
  );
  const own = layers.reduce((s, i) => s + (i.layerBytes ?? 0), 0);
  const stale = report.instructions.filter((i) => i.status === 'stale').length;
  const parts = [`${plural(layers.length, 'layer')} from this file in the image: ${formatBytes(own)}`];
  if (report.base) parts.push(`base ${formatBytes(report.base.sizeBytes)}`);
  if (stale) parts.push(style.warn(`${plural(stale, 'line')} edited since the build`));
  const sizes = `layer sizes: ${SIZE_MEASURE_TEXT[report.image.sizeMeasure]}`;
  // The containerd store's rows are not what `dfsize analyze` counts: say so where both numbers can be compared.
  return [
    parts.join(' · '),
    report.image.sizeMeasure === 'snapshot-disk-usage'
      ? style.dim(`${sizes}, as the engine reports them; \`dfsize analyze\` counts file bytes`)
      : style.dim(`${sizes}, as \`dfsize analyze\` counts them`),
  ].join('\n');
}
