// Image history in one engine-neutral form, and each row's CreatedBy normalised into "which instruction, with what
// arguments" — for the four builders users have. The formats (checked on Docker 20.10, its BuildKit, Podman 4.3 and
// kaniko; recorded in test/fixtures/history):
//   legacy    `/bin/sh -c apt-get …`, `|2 A=1 B=2 /bin/sh -c …` (args sorted), `/bin/sh -c #(nop)  ENV A=b` (two
//             spaces), `/bin/sh -c #(nop) COPY file:<sha> in /dst ` (sources lost), `COPY --chown=1:1file:…`,
//             the prefix follows SHELL
//   buildkit  `RUN |2 A=1 B=2 /bin/sh -c … # buildkit`, `COPY src dst # buildkit` (flags dropped), `ENV A=b`,
//             `EXPOSE map[8080/tcp:{}]` (Docker 28: `EXPOSE [8080/tcp 9090/udp]`), no ONBUILD row;
//             Comment `buildkit.dockerfile.v0`. Docker 28's containerd store: sizes are snapshot disk usage (SizeMeasure)
//   podman    like legacy with one space after `#(nop)`, exec-form RUN as `/bin/sh -c ["…"]`, RUN keeps `--mount`,
//             COPY dest unexpanded, ARG rows list names only; Comment `FROM <parent>`
//   kaniko    the instruction text as written; no rows for metadata instructions; created 0001-01-01

import { formatBytes } from './format';
import { INSTRUCTION_KEYWORDS } from './instructionText';

/** One history entry, oldest first (the API answers newest first; engine/ reverses it). */
export interface HistoryRow {
  readonly createdBy: string;
  readonly sizeBytes: number;
  /** ISO 8601, or null when unknown. */
  readonly created: string | null;
  readonly comment: string;
  /** The image id the row produced (legacy builds keep them), null for `<missing>`. */
  readonly id: string | null;
  /** From the image config when it is known (archives, exports); the history API does not say. */
  readonly emptyLayer: boolean | null;
}

export type BuilderKind = 'legacy' | 'buildkit' | 'podman' | 'kaniko' | 'unknown';

/**
 * What a history row's size counts. `layer-tar`: the bytes of the layer's files (dockerd's graph drivers, Podman,
 * archives — and the layer analysis). `snapshot-disk-usage`: the disk usage of the layer's snapshot, rounded up to
 * blocks (Docker with the containerd image store: an empty WORKDIR shows 12 kB, and the image's size is not the sum
 * of its rows).
 */
export type SizeMeasure = 'layer-tar' | 'snapshot-disk-usage';

/** How a size of each measure reads in the product's texts. */
export const SIZE_MEASURE_TEXT: Record<SizeMeasure, string> = {
  'layer-tar': 'file bytes',
  'snapshot-disk-usage': 'snapshot disk usage (block-rounded)',
};

/**
 * What a layer's history size counts, for the hover and the explorer: `snapshot disk usage (block-rounded) · files 8.19 kB`
 * when the row is a snapshot's disk usage and the layer analysis knows the layer's file bytes.
 */
export function measureNote(measure: SizeMeasure, fileBytes: number | null): string {
  const files =
    measure === 'snapshot-disk-usage' && fileBytes !== null
      ? ` · files ${formatBytes(fileBytes)} (layer analysis)`
      : '';
  return `${SIZE_MEASURE_TEXT[measure]}${files}`;
}

/** What core needs to know about one image, whatever it came from. */
export interface ImageInfo {
  readonly id: string;
  readonly refs: readonly string[];
  readonly sizeBytes: number;
  readonly created: string | null;
  readonly os: string | null;
  readonly architecture: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** diffIDs, bottom first. */
  readonly layers: readonly string[];
  readonly history: readonly HistoryRow[];
  /** What the rows' sizes count (the engine's image store decides). */
  readonly sizeMeasure: SizeMeasure;
  readonly config: {
    readonly entrypoint: readonly string[] | null;
    readonly cmd: readonly string[] | null;
    readonly exposedPorts: readonly string[];
    readonly workingDir: string | null;
    readonly user: string | null;
    readonly onBuild: readonly string[];
  };
}

/** A row as an instruction: keyword and the argument text, with the builder's noise removed. */
export interface Step {
  readonly keyword: string | null;
  /** Arguments as recorded, after the shell prefix, `#(nop)`, the `|N` build-arg prefix and `# buildkit`. */
  readonly args: string;
  /** COPY/ADD rows of the legacy builder and Podman lose their sources: only the destination is left. */
  readonly sourcesLost: boolean;
  readonly builder: BuilderKind;
}

/** The keywords a history row can name: every instruction but FROM (the base's rows are its own). */
const KEYWORDS = new Set([...INSTRUCTION_KEYWORDS].filter((k) => k !== 'FROM'));
const BUILDKIT_SUFFIX = / # buildkit$/;
const ARGS_PREFIX = /^\|(\d+) /;

/** Which builder wrote a row, from its form alone; null when the row could be anyone's (an imported base). */
export function rowBuilder(row: HistoryRow): BuilderKind | null {
  if (row.comment === 'buildkit.dockerfile.v0' || BUILDKIT_SUFFIX.test(row.createdBy)) return 'buildkit';
  if (row.comment.startsWith('FROM ')) return 'podman';
  if (row.created?.startsWith('0001-01-01')) return 'kaniko';
  if (/#\(nop\) |(^|\s)\/bin\/sh -c |^\|\d+ |^cmd \/S \/C /.test(row.createdBy)) return 'legacy';
  return null;
}

/** The builder of the newest rows (the image's own build): the newest row whose form tells. */
export function detectBuilder(rows: readonly HistoryRow[]): BuilderKind {
  for (let i = rows.length - 1; i >= 0; i--) {
    const b = rowBuilder(rows[i]!);
    if (b) return b;
  }
  return 'unknown';
}

/** Strips `|N a=1 b=2 ` (N build args; values may hold blanks, so it is split at the shell that follows). */
function stripArgsPrefix(text: string, shells: readonly string[]): string {
  const m = ARGS_PREFIX.exec(text);
  if (!m) return text;
  const rest = text.slice(m[0].length);
  for (const sh of shells) {
    const at = rest.indexOf(` ${sh} `);
    if (at >= 0) return rest.slice(at + 1);
    if (rest.startsWith(`${sh} `)) return rest;
  }
  // No known shell after the args (an exec-form RUN of the legacy builder): drop N words.
  return rest.split(' ').slice(Number(m[1])).join(' ');
}

/** Known shell prefixes: the default, Windows' and any SHELL the Dockerfile sets (joined with blanks). */
export function shellPrefixes(extra: Iterable<readonly string[]> = []): string[] {
  const set = new Set(['/bin/sh -c', 'cmd /S /C', 'powershell -Command']);
  for (const s of extra) if (s.length) set.add(s.join(' '));
  return [...set].sort((a, b) => b.length - a.length);
}

/** Normalises one row. `shells`: the prefixes to strip (see shellPrefixes). */
export function normaliseRow(row: HistoryRow, shells: readonly string[]): Step {
  const builder = rowBuilder(row) ?? 'unknown';
  let text = row.createdBy.replace(BUILDKIT_SUFFIX, '');
  if (builder === 'kaniko' || builder === 'buildkit' || builder === 'unknown') {
    // `RUN |2 A=1 /bin/sh -c cmd` (buildkit) or the raw instruction (kaniko, and imports with an instruction-like text).
    const m = /^([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
    const kw = m?.[1]?.toUpperCase();
    if (m && kw && KEYWORDS.has(kw)) {
      let args = (m[2] ?? '').trim();
      if (kw === 'RUN') args = stripShell(stripArgsPrefix(args, shells), shells);
      return { keyword: kw, args, sourcesLost: false, builder };
    }
    if (builder !== 'unknown') return { keyword: null, args: text, sourcesLost: false, builder };
  }
  // legacy / podman: `[|N args ]<shell> [#(nop) ]…`
  text = stripArgsPrefix(text, shells);
  // `#(nop)` found with indexOf, not a backtracking regex: a row may hold long runs of blanks.
  const at = text.indexOf('#(nop)');
  const nop = at >= 0 ? /^\s*([A-Za-z]+)(?:\s([\s\S]*))?$/.exec(text.slice(at + 6)) : null;
  if (nop) {
    const kw = nop[1]!.toUpperCase();
    let args = (nop[2] ?? '').trim();
    let sourcesLost = false;
    if ((kw === 'COPY' || kw === 'ADD') && / in /.test(args)) {
      // `--chown=1:1file:<sha> in /dst` / `multi:<sha> in /dst` / `dir:<sha> in /dst`: keep the destination only
      args = args.slice(args.lastIndexOf(' in ') + 4).trim();
      sourcesLost = true;
    }
    return { keyword: KEYWORDS.has(kw) ? kw : null, args, sourcesLost, builder };
  }
  const run = stripShell(text, shells);
  if (run !== text || builder !== 'unknown') return { keyword: 'RUN', args: run, sourcesLost: false, builder };
  return { keyword: null, args: text, sourcesLost: false, builder };
}

/**
 * A RUN command without its shell: `/bin/sh -c x` → `x`; Podman's exec form `/bin/sh -c ["a","b"]` and the legacy
 * exec form (args joined) come out the same as the Dockerfile's exec form joined with blanks.
 */
export function stripShell(text: string, shells: readonly string[]): string {
  let t = text.trim();
  for (let guard = 0; guard < 3; guard++) {
    const json = t.startsWith('[') ? parseStrings(t) : null;
    if (json) {
      t = json.join(' ');
      continue;
    }
    const sh = shells.find((s) => t === s || t.startsWith(`${s} `));
    if (!sh) break;
    t = t.slice(sh.length).trim();
    // Podman keeps RUN's BuildKit flags after the shell.
    while (/^--(mount|network|security)=\S+\s/.test(t)) t = t.replace(/^--\S+\s+/, '');
  }
  return t;
}

/** JSON arrays and Go's `%q`/`%v` forms (`["a" "b"]`, `[/data]`) → strings; null when not an array. */
export function parseStrings(text: string): string[] | null {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  } catch {
    /* Go form below */
  }
  const inner = t.slice(1, -1).trim();
  if (!inner) return [];
  if (!inner.includes('"')) return inner.split(/\s+/);
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) {
    try {
      out.push(JSON.parse(`"${m[1]!}"`) as string);
    } catch {
      // An escape JSON does not know: the text is kept as written.
      out.push(m[1]!);
    }
  }
  return out;
}

/** Blanks collapsed, ends trimmed: how two texts are compared. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
