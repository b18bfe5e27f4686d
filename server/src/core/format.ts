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
  const text = u === 0 ? String(Math.round(v)) : v.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return `${sign}${text} ${UNITS[u]}`;
}

/** "+12.1 MB" / "-3 kB" / "±0 B". */
export function formatDelta(bytes: number): string {
  return bytes === 0 ? '±0 B' : `${bytes > 0 ? '+' : ''}${formatBytes(bytes)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
