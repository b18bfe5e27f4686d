// Every Dockerfile the tests have: the corpus (clean, smelly, edge, windows), the build fixtures, the examples, the
// sample shaped like dive's test image, and a generated 650-line, 50-stage file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';
import { largeDockerfile } from './largeDockerfile';
import { SAMPLE_DOCKERFILE } from './sampleImage';

function files(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, keep) : keep(n) ? [p] : [];
  });
}

export function corpus(): Array<{ name: string; text: string }> {
  const df = (n: string) => /Dockerfile/.test(n);
  const paths = [
    ...files(join(ROOT, 'test', 'fixtures', 'dockerfiles'), df),
    ...files(join(ROOT, 'test', 'fixtures', 'builds'), (n) => n === 'Dockerfile'),
    ...files(join(ROOT, 'examples'), (n) => n === 'Dockerfile'),
  ];
  return [
    ...paths.map((p) => ({ name: p.slice(ROOT.length + 1), text: readFileSync(p, 'utf8') })),
    { name: "generated: shaped like dive's test image", text: SAMPLE_DOCKERFILE },
    { name: 'generated: 650 lines, 50 stages', text: largeDockerfile(50, 650) },
  ];
}

/** A small deterministic PRNG (mulberry32), so a failing mutation can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  '\\',
  '`',
  '\n',
  '\r\n',
  '\r',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  '$',
  '${',
  '<<EOF\n',
  '#',
  ' ',
  '\t',
  '\0',
  '\u2028',
  '😀',
  'FROM ',
  'RUN ',
  'AS ',
  '--from=',
  '=',
  'ONBUILD ',
  '# escape=`\n',
];

/** `text` truncated, with characters dropped, inserted or lines shuffled — `count` variants per seed. */
export function mutations(text: string, seed: number, count: number): string[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let t = text;
    const at = () => Math.floor(rnd() * (t.length + 1));
    switch (i % 5) {
      case 0:
        t = t.slice(0, at());
        break;
      case 1:
        for (let k = 0; k < 8; k++) {
          const p = at();
          t = t.slice(0, p) + t.slice(p + 1 + Math.floor(rnd() * 20));
        }
        break;
      case 2:
        for (let k = 0; k < 8; k++) {
          const p = at();
          t = t.slice(0, p) + pick(NASTY) + t.slice(p);
        }
        break;
      case 3: {
        const ls = t.split('\n');
        for (let k = 0; k < 6 && ls.length > 1; k++) {
          const a = Math.floor(rnd() * ls.length);
          const b = Math.floor(rnd() * ls.length);
          [ls[a], ls[b]] = [ls[b]!, ls[a]!];
        }
        t = ls.join('\n');
        break;
      }
      default:
        t = Array.from({ length: 64 + Math.floor(rnd() * 512) }, () =>
          String.fromCharCode(Math.floor(rnd() * 0x3000)),
        ).join('');
    }
    out.push(t);
  }
  return out;
}
