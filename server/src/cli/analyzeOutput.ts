// `dfsize analyze` output: the JSON contract in README, and the same facts for people.
import type { ImageAnalysis } from '../core/analysis';
import { formatBytes, plural } from '../core/format';
import type { ImageInfo } from '../core/history';
import { layersForImage } from '../core/layers';
import type { CiResult } from '../analysis/diveCi';
import type { Style } from './human';

export interface AnalyzeJson {
  image: { ref: string; id: string; sizeBytes: number };
  dive: {
    efficiencyScore: number;
    inefficientBytes: number;
    sizeBytes: number;
    userSizeBytes: number;
    /** NaN or Infinity (no user bytes) are written as null: JSON has neither. */
    userWastedPercent: number | null;
    fileReference: Array<{ file: string; count: number; sizeBytes: number }>;
  };
  removableBytes: number;
  layers: Array<{
    index: number;
    digest: string;
    sizeBytes: number;
    command: string;
    line: number | null;
    added: number;
    modified: number;
    removed: number;
    removableBytes: number;
  }>;
  attribution: Array<{
    path: string;
    bytes: number;
    kind: 'deleted' | 'overwritten';
    addedAtLine: number | null;
    removedAtLine: number | null;
  }>;
  /** From a registry: layer blobs fetched, of how many, and the bytes received (manifests and config included). */
  fetched?: { layers: number; of: number; bytes: number };
  /** Layers not read (foreign layers), why, and their size from the manifest. */
  unread?: Array<{ index: number; digest: string; mediaType: string; sizeBytes: number; reason: string }>;
}

/** Each layer's history row CreatedBy, through the rows' pairing with layers (empty_layer when the config was read). */
export function layerCommands(info: ImageInfo, layerCount: number): string[] {
  const commands: string[] = Array.from({ length: layerCount }, () => '');
  const { layerOf } = layersForImage(
    { history: info.history, layers: Array.from({ length: layerCount }, () => '') },
    null,
  );
  layerOf.forEach((layer, row) => {
    if (layer !== null && layer < layerCount) commands[layer] = info.history[row]!.createdBy;
  });
  return commands;
}

export function analyzeJson(
  ref: string,
  info: ImageInfo,
  a: ImageAnalysis,
  lines: ReadonlyArray<number | null> | null,
): AnalyzeJson {
  const commands = layerCommands(info, a.layers.length);
  const line = (layer: number) => lines?.[layer] ?? null;
  const d = a.dive;
  return {
    image: { ref, id: a.imageId, sizeBytes: a.layers.reduce((s, l) => s + l.sizeBytes, 0) },
    dive: {
      efficiencyScore: d.efficiencyScore,
      inefficientBytes: d.inefficientBytes,
      sizeBytes: d.sizeBytes,
      userSizeBytes: d.userSizeBytes,
      userWastedPercent: Number.isFinite(d.userWastedPercent) ? d.userWastedPercent : null,
      fileReference: d.fileReference.map((f) => ({ file: f.file, count: f.count, sizeBytes: f.sizeBytes })),
    },
    removableBytes: a.removableBytes,
    layers: a.layers.map((l) => ({
      index: l.index,
      digest: l.digest,
      sizeBytes: l.sizeBytes,
      command: commands[l.index] ?? '',
      line: line(l.index),
      added: l.added,
      modified: l.modified,
      removed: l.removed,
      removableBytes: l.removableBytes,
    })),
    attribution: a.attribution.map((w) => ({
      path: w.path,
      bytes: w.bytes,
      kind: w.kind,
      addedAtLine: line(w.addedLayer),
      removedAtLine: line(w.removedLayer),
    })),
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);
const MAX_ROWS = 20;

function shortCommand(c: string): string {
  const s = c
    .replace(/^\/bin\/sh -c (#\(nop\) +)?/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

export function renderAnalysis(j: AnalyzeJson, source: string, style: Style): string {
  const out: string[] = [];
  const id = j.image.id.replace(/^sha256:/, '').slice(0, 12);
  out.push(
    `${style.bold(j.image.ref)} (${id}) · ${formatBytes(j.image.sizeBytes)} · ${plural(j.layers.length, 'layer')} · from ${source}`,
  );
  out.push(
    `efficiency ${pct(j.dive.efficiencyScore)} · wasted ${formatBytes(j.dive.inefficientBytes)} (dive) · user wasted ${pct(j.dive.userWastedPercent)} · removable ${style.bold(formatBytes(j.removableBytes))}`,
  );
  if (j.fetched)
    out.push(`fetched ${j.fetched.layers} of ${plural(j.fetched.of, 'layer')}, ${formatBytes(j.fetched.bytes)}`);
  for (const u of j.unread ?? [])
    out.push(`layer ${u.index} not read: ${u.reason}; ${formatBytes(u.sizeBytes)} per its manifest`);
  out.push('');
  const withLines = j.layers.some((l) => l.line !== null);
  out.push(
    style.dim(
      `  #  ${'size'.padStart(9)}  ${'added'.padStart(6)} ${'mod'.padStart(5)} ${'rem'.padStart(5)}  ${'removable'.padStart(9)}${withLines ? '  line' : ''}  command`,
    ),
  );
  for (const l of j.layers) {
    out.push(
      `${String(l.index).padStart(3)}  ${formatBytes(l.sizeBytes).padStart(9)}  ${String(l.added).padStart(6)} ${String(l.modified).padStart(5)} ${String(l.removed).padStart(5)}  ${(l.removableBytes ? formatBytes(l.removableBytes) : '-').padStart(9)}${withLines ? `  ${String(l.line ?? '-').padStart(4)}` : ''}  ${shortCommand(l.command)}`,
    );
  }
  out.push('');
  if (!j.attribution.length) out.push('Removable: none (nothing shipped is deleted or overwritten later)');
  else {
    out.push(`Removable (shipped, then deleted or overwritten by a later layer): ${formatBytes(j.removableBytes)}`);
    for (const w of j.attribution.slice(0, MAX_ROWS)) {
      const where =
        w.addedAtLine !== null || w.removedAtLine !== null
          ? ` (line ${w.addedAtLine ?? '?'} → line ${w.removedAtLine ?? '?'})`
          : '';
      out.push(`  ${formatBytes(w.bytes).padStart(9)}  ${w.kind.padEnd(11)} ${w.path}${where}`);
    }
    if (j.attribution.length > MAX_ROWS)
      out.push(style.dim(`  … ${j.attribution.length - MAX_ROWS} more (--json lists all)`));
  }
  out.push('');
  if (!j.dive.fileReference.length) out.push('Inefficient files (dive): none');
  else {
    out.push('Inefficient files (dive):');
    out.push(style.dim('  Count  Wasted Space  File Path'));
    for (const f of j.dive.fileReference.slice(0, MAX_ROWS))
      out.push(`  ${String(f.count).padEnd(5)}  ${formatBytes(f.sizeBytes).padEnd(12)}  ${f.file}`);
    if (j.dive.fileReference.length > MAX_ROWS)
      out.push(style.dim(`  … ${j.dive.fileReference.length - MAX_ROWS} more (--json lists all)`));
  }
  return out.join('\n') + '\n';
}

export function renderCi(results: readonly CiResult[], pass: boolean, configName: string, style: Style): string {
  const out = [`CI rules (${configName}):`];
  for (const r of [...results].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const tag = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? style.warn('FAIL') : style.dim('SKIP');
    out.push(`  ${tag}  ${r.key} (${r.message})`);
  }
  const counts = (['pass', 'fail', 'disabled'] as const)
    .map((s) => [s === 'disabled' ? 'skip' : s, results.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n);
  out.push('', `${pass ? 'PASS' : style.warn('FAIL')} [${counts.map(([k, n]) => `${k}:${n}`).join(' ')}]`);
  return out.join('\n') + '\n';
}
