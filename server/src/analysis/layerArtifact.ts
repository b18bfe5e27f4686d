// A layer's entry list as a shared artifact's blob (`--cache-to`, `--cache-from`): gzip of one line per entry, paths
// front-coded against the previous one, so that a 100k-file layer is a few hundred KB and is read as it streams
// (line by line through gunzip), never held as one 50 MB JSON text. Pure apart from the zlib streams.
//
//   dfsize-layer-analysis <FORMAT> <ANALYSER_VERSION>
//   stats <LayerStats as JSON>
//   <shared>\t<suffix>\t<kind>\t<size>\t<tarSize, empty when = size>\t<mode, octal>\t<link, or nothing>   (each entry)
//   end <count>
//
// Suffixes and links escape `\`, tab, CR and LF as `\\`, `\t`, `\r`, `\n`. A shared artifact is not trusted: the
// reader checks every field, the sort order and the count, and refuses anything else with an ArtifactError.
import { createGunzip, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LayerStats } from '../engine/layerScan';
import { ANALYSER_VERSION } from './compute';
import { K_OPAQUE, keyClass, ListColumns, type LayerList } from './entries';

const FORMAT = 1;
const MAGIC = 'dfsize-layer-analysis';
/** What a reader unpacks at most (about 10x the text of a million-file layer): a gzip bomb stops here. */
const MAX_TEXT_BYTES = 512 * 1024 * 1024;

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\r': '\\r', '\n': '\\n' };
const UNESCAPES: Readonly<Record<string, string>> = { t: '\t', r: '\r', n: '\n' };
const escape = (s: string) => (/[\\\t\r\n]/.test(s) ? s.replace(/[\\\t\r\n]/g, (c) => ESCAPES[c] ?? c) : s);
const unescape = (s: string) => (s.includes('\\') ? s.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : s);

function* lines(l: LayerList): Generator<string> {
  yield `${MAGIC} ${FORMAT} ${ANALYSER_VERSION}\nstats ${JSON.stringify(l.stats)}\n`;
  let prev = '';
  let chunk = '';
  for (const [i, p] of l.paths.entries()) {
    let k = 0;
    const max = Math.min(prev.length, p.length);
    while (k < max && prev.charCodeAt(k) === p.charCodeAt(k)) k++;
    prev = p;
    const size = l.sizes[i] ?? 0;
    const tar = l.tarSizes[i] === size ? '' : String(l.tarSizes[i]);
    const link = l.links.get(i);
    chunk += `${k}\t${escape(p.slice(k))}\t${l.kinds[i]}\t${size}\t${tar}\t${(l.modes[i] ?? 0).toString(8)}`;
    chunk += link === undefined ? '\n' : `\t${escape(link)}\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}end ${l.count}\n`;
}

/** The list as the artifact's blob (gzip, level 9: written once, read by every runner). */
export async function encodeLayerArtifact(l: LayerList): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(lines(l)).pipe(createGzip({ level: 9 }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** Builds the list line by line; every line is checked (the text comes from a registry, not from this machine). */
class ListReader {
  private readonly columns = new ListColumns();
  private stats: LayerStats | null = null;
  private prev = '';
  private prevKind = -1;
  private line = 0;
  ended: LayerList | null = null;

  take(text: string): void {
    this.line++;
    if (this.ended) throw this.bad('text after its end line');
    if (this.line === 1) {
      if (text !== `${MAGIC} ${FORMAT} ${ANALYSER_VERSION}`)
        throw this.bad(`not format ${FORMAT} of analyser version ${ANALYSER_VERSION}`);
    } else if (this.line === 2) {
      this.stats = this.statsOf(text);
    } else if (text.startsWith('end ')) {
      this.end(text);
    } else this.entry(text);
  }

  private bad(why: string): ArtifactError {
    return new ArtifactError(`line ${this.line}: ${why}`);
  }

  private statsOf(text: string): LayerStats {
    if (!text.startsWith('stats ')) throw this.bad('no stats');
    try {
      const s = JSON.parse(text.slice(6)) as Partial<Record<keyof LayerStats, unknown>> | null;
      const numbers = [s?.entries, s?.sizeBytes, s?.diveBytes, s?.tarBytes].every((n) => typeof n === 'number');
      if (numbers && typeof s?.compression === 'string' && (s.digest === null || typeof s.digest === 'string'))
        return s as LayerStats;
    } catch {
      // Falls through to the one error below: the line is not the stats object.
    }
    throw this.bad('stats are not a JSON object');
  }

  private entry(text: string): void {
    const f = text.split('\t');
    const shared = Number(f[0]);
    const kind = Number(f[2]);
    const size = Number(f[3]);
    const tar = f[4] === '' ? size : Number(f[4]);
    const mode = parseInt(f[5] ?? '', 8);
    if (f.length < 6 || f.length > 7 || !Number.isInteger(shared) || shared < 0 || shared > this.prev.length)
      throw this.bad('not an entry');
    if (!Number.isInteger(kind) || kind < 0 || kind > K_OPAQUE || !(size >= 0) || !(tar >= 0) || !(mode >= 0))
      throw this.bad('an entry with a bad kind, size or mode');
    const path = this.prev.slice(0, shared) + unescape(f[1] ?? '');
    const cls = keyClass(kind);
    if (this.columns.length && (path < this.prev || (path === this.prev && cls <= this.prevKind)))
      throw this.bad('entries out of order');
    this.columns.push(path, kind, size, tar, mode, f.length === 7 ? unescape(f[6] ?? '') : null);
    this.prev = path;
    this.prevKind = cls;
  }

  private end(text: string): void {
    if (Number(text.slice(4)) !== this.columns.length || !this.stats) throw this.bad('the count does not match');
    this.ended = this.columns.take(this.stats);
  }
}

/** The list in a blob that streams by (gzip of the lines above); ArtifactError for anything else. */
export async function decodeLayerArtifact(blob: AsyncIterable<Buffer>): Promise<LayerList> {
  const reader = new ListReader();
  const gunzip = createGunzip();
  const input = Readable.from(blob);
  input.on('error', (e) => gunzip.destroy(e));
  const utf8 = new StringDecoder('utf8');
  let rest = '';
  let total = 0;
  try {
    for await (const c of input.pipe(gunzip)) {
      const text = rest + utf8.write(c as Buffer);
      total += (c as Buffer).length;
      if (total > MAX_TEXT_BYTES) throw new ArtifactError(`unpacks to more than ${MAX_TEXT_BYTES} bytes`);
      let at = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
        reader.take(text.slice(at, nl));
        at = nl + 1;
      }
      rest = text.slice(at);
    }
  } catch (e) {
    input.destroy();
    if (e instanceof ArtifactError || !(e instanceof Error) || !('code' in e) || !String(e.code).startsWith('Z_'))
      throw e;
    throw new ArtifactError(`not gzip (${e.message})`);
  }
  rest += utf8.end();
  if (rest !== '' || !reader.ended) throw new ArtifactError('cut short (no end line)');
  return reader.ended;
}
