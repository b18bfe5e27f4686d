export interface Figure {
  readonly value: number;
  readonly unit: string;
  /** DESIGN's target, as a bound on `value` (≤ unless the key says otherwise). */
  readonly target?: number;
  /** Raw observations (milliseconds or bytes) behind the value. */
  readonly raw?: readonly number[] | Readonly<Record<string, unknown>>;
  readonly baseline?: { readonly what: string; readonly raw: readonly number[] };
  readonly note?: string;
}

export type Measure = () => Promise<Figure>;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Milliseconds to two decimals, as the figures keep them. */
export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A figure that cannot be measured on this machine (a tool is missing): the run says why and goes on. */
export class Unavailable extends Error {
  override name = 'Unavailable';
}
