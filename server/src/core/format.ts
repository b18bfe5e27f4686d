// Sizes as docker prints them: decimal units, three significant digits ("45.3 MB", "2.05 kB", "6 B").
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '? B';
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  let u = 0;
  // 999.9 kB rounds to three digits as 1000: that is 1 MB.
  while ((v >= 1000 || (u > 0 && Number(v.toPrecision(3)) >= 1000)) && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  // Trailing zeros go only after a decimal point: 230 MB stays 230 MB, 1.50 kB becomes 1.5 kB.
  const text =
    u === 0
      ? String(Math.round(v))
      : v
          .toPrecision(3)
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '');
  return `${sign}${text} ${UNITS[u]}`;
}

/** "+12.1 MB" / "-3 kB" / "±0 B". */
export function formatDelta(bytes: number): string {
  return bytes === 0 ? '±0 B' : `${bytes > 0 ? '+' : ''}${formatBytes(bytes)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// The one size grammar of the product (flags, variables, `.dfsize.json`, `.dive-ci`, `# dfsize-budget`): bytes, or a
// number with a decimal unit (kB, MB, GB, TB, PB, EB: 10^3 steps, as docker prints them and go-humanize reads them) or a
// binary one (KiB, MiB, GiB, TiB, PiB, EiB: 2^10 steps); the B is optional and case does not matter ("2GB", "500 mb",
// "1.5g", "64MiB", "20Mi"). Fractions of a byte are dropped.
const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmgtpe])(i)?)?b?$/i;
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** Whole bytes, or null for text that is not a size (or too large to count exactly). */
export function parseBytes(text: string): number | null {
  const m = SIZE.exec(text.trim());
  if (!m?.[1]) return null;
  const power = m[2] ? (POWERS[m[2].toLowerCase()] ?? 0) : 0;
  const n = Math.floor(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
  return Number.isSafeInteger(n) ? n : null;
}

const SECOND_MS = 1000;
const MINUTE_S = 60;
/** Below this many seconds a duration keeps its tenths ("2.3 s"); above, whole seconds ("41 s"). */
const TENTHS_BELOW_S = 10;

/** A build step's duration as a person reads it: "0.4 s", "2.3 s", "41 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / SECOND_MS;
  const tenths = Math.round(s * 10) / 10;
  if (tenths < TENTHS_BELOW_S) return `${tenths.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < MINUTE_S) return `${whole} s`;
  const rest = whole % MINUTE_S;
  return `${Math.floor(whole / MINUTE_S)} min${rest ? ` ${rest} s` : ''}`;
}
