// Finds the history row of a Dockerfile line without the matcher: every layer-making line of the build fixtures
// writes a path with a unique marker (`/m-…`), and the row of that line is the one whose CreatedBy names it.
// RUN lines: the first marker; COPY/ADD lines: the last one (the destination; the sources are lost in some forms).

/** Substitutes `ARG NAME=value` defaults declared anywhere in the file (the fixtures never redefine one). */
function withArgDefaults(line: string, dockerfile: string): string {
  const defaults = new Map<string, string>();
  for (const m of dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)) defaults.set(m[1]!, m[2]!);
  return line.replace(/\$\{?(\w+)\}?/g, (all, name: string) => defaults.get(name) ?? all);
}

export function markerOf(keyword: string, instructionText: string, dockerfile: string): string | null {
  const found = [...withArgDefaults(instructionText, dockerfile).matchAll(/\/m-[a-z0-9-]+/g)].map((m) => m[0]);
  if (!found.length) return null;
  return keyword === 'RUN' ? found[0]! : found.at(-1)!;
}

/** Index (in `createdBys`) of the one row naming `marker`, or of the row holding `raw` unexpanded (Podman's COPY). */
export function rowOfMarker(createdBys: readonly string[], marker: string, raw?: string): number {
  // not after '=': an ARG default (`|3 DEST=/m-copy-var …`) names a marker on every RUN row
  const re = new RegExp(`(?<!=)${marker.replace(/[-/]/g, '\\$&')}(?![a-z0-9-])`);
  let hits = createdBys.flatMap((c, i) => (re.test(c) ? [i] : []));
  if (!hits.length && raw) {
    const token = raw.trim().split(/\s+/).at(-1)!;
    hits = createdBys.flatMap((c, i) => (c.includes(` ${token} `) || c.endsWith(` ${token}`) ? [i] : []));
  }
  if (hits.length !== 1) throw new Error(`marker ${marker}: ${hits.length} rows name it`);
  return hits[0]!;
}

/** The bytes the line naming `marker` writes with `head -c N` (the compare fixtures size their files so). */
export function headBytes(dockerfile: string, marker: string): number {
  const line = dockerfile.split('\n').find((l) => l.includes(marker)) ?? '';
  const n = /head -c (\d+)/.exec(line)?.[1];
  if (n === undefined) throw new Error(`no line naming ${marker} writes with head -c`);
  return Number(n);
}

/** The 1-based line naming `marker`. */
export function lineOfMarker(dockerfile: string, marker: string): number {
  const at = dockerfile.split('\n').findIndex((l) => l.includes(marker));
  if (at < 0) throw new Error(`no line names ${marker}`);
  return at + 1;
}
