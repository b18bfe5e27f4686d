// Draws the marketplace icon, media/icon.png (128×128): the activity bar's layers glyph (media/layers.svg) in white on
// a rounded blue square, its top layer filled. Written as PNG bytes with node:zlib, no image tool needed.
//   npx tsx scripts/icon.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4; // per axis: 16 samples a pixel smooth the edges
const RADIUS = 22;
const STROKE = 3.6; // half the line width, in pixels
const BACKGROUND = [0x0b, 0x50, 0x8c] as const;
const LINE = [0xff, 0xff, 0xff] as const;
const FILL = [0x7f, 0xd4, 0xff] as const;

type Point = readonly [number, number];
/** layers.svg's 24-unit coordinates, placed on the icon with a margin. */
const at = ([x, y]: Point): Point => [16 + 4 * x, 14 + 4 * y];
const TOP: Point[] = (
  [
    [12, 3],
    [3, 7.5],
    [12, 12],
    [21, 7.5],
  ] as Point[]
).map(at);
const CHEVRONS: Point[][] = (
  [
    [
      [3, 12],
      [12, 16.5],
      [21, 12],
    ],
    [
      [3, 16.5],
      [12, 21],
      [21, 16.5],
    ],
  ] as Point[][]
).map((c) => c.map(at));

function segmentDistance(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function inside(p: Point, polygon: readonly Point[]): boolean {
  let odd = false;
  polygon.forEach((a, i) => {
    const b = polygon[(i + 1) % polygon.length] ?? a;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) odd = !odd;
  });
  return odd;
}

function inRoundedSquare([x, y]: Point): boolean {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), SIZE - RADIUS);
  return Math.hypot(x - cx, y - cy) <= RADIUS;
}

/** The colour and coverage (0…1 alpha) of one sample point. */
function sample(p: Point): readonly [number, number, number, number] {
  if (!inRoundedSquare(p)) return [0, 0, 0, 0];
  const outline = [[...TOP, TOP[0] ?? TOP[1]], ...CHEVRONS] as Point[][];
  const onLine = outline.some((line) => line.slice(1).some((b, i) => segmentDistance(p, line[i] ?? b, b) <= STROKE));
  const [r, g, b] = onLine ? LINE : inside(p, TOP) ? FILL : BACKGROUND;
  return [r, g, b, 1];
}

function pixels(): Buffer {
  const rows = Buffer.alloc(SIZE * (1 + SIZE * 4)); // each row: filter byte 0, then RGBA
  for (let y = 0; y < SIZE; y++) {
    rows[y * (1 + SIZE * 4)] = 0;
    for (let x = 0; x < SIZE; x++) {
      const sum = [0, 0, 0, 0];
      for (let i = 0; i < SAMPLES * SAMPLES; i++) {
        const s = sample([x + ((i % SAMPLES) + 0.5) / SAMPLES, y + (Math.floor(i / SAMPLES) + 0.5) / SAMPLES]);
        s.forEach((v, k) => (sum[k] = (sum[k] ?? 0) + (k < 3 ? v * s[3] : v)));
      }
      const [r = 0, g = 0, b = 0, a = 0] = sum;
      const o = y * (1 + SIZE * 4) + 1 + x * 4;
      rows.set(a ? [r / a, g / a, b / a, (255 * a) / SAMPLES ** 2].map(Math.round) : [0, 0, 0, 0], o);
    }
  }
  return rows;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const BIT_DEPTH = 8;
const COLOR_RGBA = 6;
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([BIT_DEPTH, COLOR_RGBA, 0, 0, 0], 8); // deflate, adaptive filtering, no interlace
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(pixels(), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = join(__dirname, '..', 'media', 'icon.png');
writeFileSync(out, png);
console.log(`${out}: ${png.length} bytes`);
