// Generated Dockerfiles for the fuzz suite: every instruction, with what breaks parsers — nested `${…:-${…}}` and
// `${…:+…}`, unbalanced braces and quotes, heredocs, escapes and continuations, CRLF, a BOM, the Windows escape
// directive, very long lines. One seed, one text: a failure is replayed from its seed alone.
import { prng } from './corpus';

type Rnd = () => number;

const NAMES = ['X', 'Y', 'Z', 'HOME', 'PATH', 'A_1', 'BUILDPLATFORM'];
const WORDS = [
  'a',
  '/usr/local/bin',
  'busybox:1.36',
  'debian:bookworm-slim',
  'node_modules',
  '.',
  '"a b"',
  "'c d'",
  '*.txt',
  'http://example.com/x.tgz',
  'é😀',
  '',
];
const RUNS = [
  'apt-get update',
  'apt-get install -y curl',
  'apt-get install -y --no-install-recommends git',
  'rm -rf /var/lib/apt/lists/*',
  'pip install flask',
  'pip install --no-cache-dir x',
  'npm install',
  'npm ci && npm cache clean --force',
  'apk add curl',
  'apk add --no-cache y',
  'yum install -y gcc',
  'dnf install -y z && dnf clean all',
  'chown -R app /app',
  'make',
  'echo "unterminated',
  "echo 'x",
  'a || b; c &',
  '$(echo x)',
  '`id`',
];
const UNBALANCED = [
  '${',
  '${X',
  '${X:-',
  '${X:+a',
  '}',
  '}}',
  '$',
  '${}',
  '${X:?e}',
  '"',
  "'",
  '[',
  ']',
  '["a"',
  '\\',
  '`',
];
const KEYWORDS = [
  'FROM',
  'RUN',
  'COPY',
  'ADD',
  'ENV',
  'ARG',
  'LABEL',
  'WORKDIR',
  'USER',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'SHELL',
  'HEALTHCHECK',
  'ONBUILD',
  'VOLUME',
  'STOPSIGNAL',
  'MAINTAINER',
  'NOTANINSTRUCTION',
];

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (rnd: Rnd, p: number) => rnd() < p;

/** `$X`, `${X}`, `${X:-word}`, `${X:+word}`, nested up to four deep, or something half-written. */
function variable(rnd: Rnd, depth = 0): string {
  const name = pick(rnd, NAMES);
  const r = rnd();
  if (r < 0.15) return `$${name}`;
  if (r < 0.3) return `\${${name}}`;
  if (r < 0.75 && depth < 4) {
    const inner = chance(rnd, 0.6) ? variable(rnd, depth + 1) : pick(rnd, WORDS);
    return `\${${name}${pick(rnd, [':-', ':+', '-', '+'])}${inner}}`;
  }
  if (r < 0.85) return `\\$${name}`;
  return pick(rnd, UNBALANCED);
}

function word(rnd: Rnd): string {
  const parts = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
    chance(rnd, 0.4) ? variable(rnd) : chance(rnd, 0.1) ? pick(rnd, UNBALANCED) : pick(rnd, WORDS),
  );
  return parts.join('');
}

function words(rnd: Rnd, n: number): string {
  return Array.from({ length: n }, () => word(rnd)).join(' ');
}

function runBody(rnd: Rnd, escape: string, eol: string): string {
  const cmds = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () =>
    chance(rnd, 0.2) ? `${pick(rnd, RUNS)} ${variable(rnd)}` : pick(rnd, RUNS),
  );
  const r = rnd();
  if (r < 0.15) return `<<EOF${eol}${cmds.join(eol)}${eol}EOF`;
  if (r < 0.25) return JSON.stringify(['/bin/sh', '-c', cmds.join(' && ')]) + (chance(rnd, 0.2) ? '"' : '');
  // Continuations, some with an escaped blank before them, a comment or an empty line inside.
  const joints = [
    ` && ${escape}${eol}    `,
    ` ${escape}${eol}  && `,
    ` && ${escape} ${escape}${eol}  `,
    ` && ${escape}${eol}# note${eol}  `,
    ` && ${escape}${eol}${eol}  `,
    ' && ',
    '; ',
  ];
  return cmds.reduce((s, c) => `${s}${pick(rnd, joints)}${c}`);
}

function flags(rnd: Rnd, names: readonly string[]): string {
  return names
    .filter(() => chance(rnd, 0.3))
    .map((n) => `--${n}=${word(rnd)} `)
    .join('');
}

function instruction(rnd: Rnd, escape: string, eol: string): string {
  const kw = pick(rnd, KEYWORDS);
  const k = chance(rnd, 0.1) ? kw.toLowerCase() : kw;
  switch (kw) {
    case 'FROM':
      return `${k} ${flags(rnd, ['platform'])}${word(rnd)}${chance(rnd, 0.5) ? ` AS ${pick(rnd, ['build', 'base', 's1', word(rnd)])}` : ''}`;
    case 'RUN':
      return `${k} ${flags(rnd, ['mount', 'network'])}${runBody(rnd, escape, eol)}`;
    case 'COPY':
    case 'ADD': {
      const body = chance(rnd, 0.1)
        ? `<<EOF /dst${eol}data ${variable(rnd)}${eol}EOF`
        : chance(rnd, 0.15)
          ? JSON.stringify([word(rnd), word(rnd)])
          : words(rnd, 1 + Math.floor(rnd() * 4));
      return `${k} ${flags(rnd, ['from', 'chown', 'chmod', 'link'])}${body}`;
    }
    case 'ENV':
    case 'ARG':
    case 'LABEL':
      return `${k} ${Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `${pick(rnd, NAMES)}${chance(rnd, 0.8) ? `=${word(rnd)}` : chance(rnd, 0.5) ? ` ${word(rnd)}` : ''}`).join(' ')}`;
    case 'SHELL':
    case 'CMD':
    case 'ENTRYPOINT':
    case 'VOLUME':
      return `${k} ${chance(rnd, 0.5) ? JSON.stringify([word(rnd), word(rnd)]) : words(rnd, 2)}`;
    case 'HEALTHCHECK':
      return `${k} ${flags(rnd, ['interval', 'timeout'])}${chance(rnd, 0.2) ? 'NONE' : `CMD ${pick(rnd, RUNS)}`}`;
    case 'ONBUILD':
      return `${k} ${instruction(rnd, escape, eol)}`;
    default:
      return `${k} ${words(rnd, Math.floor(rnd() * 3))}`;
  }
}

/** A Dockerfile from `seed`: up to 10 lines of instructions, comments and blanks, with the whole-file oddities now and then. */
export function generatedDockerfile(seed: number): string {
  const rnd = prng(seed);
  const windows = chance(rnd, 0.1);
  const escape = windows ? '`' : '\\';
  const eol = chance(rnd, 0.2) ? '\r\n' : chance(rnd, 0.05) ? '\r' : '\n';
  const lines: string[] = [];
  if (windows) lines.push('# escape=`');
  if (chance(rnd, 0.8)) lines.push(`FROM ${word(rnd)}${chance(rnd, 0.3) ? ' AS build' : ''}`);
  for (let n = Math.floor(rnd() * 10); n > 0; n--) {
    const r = rnd();
    if (r < 0.08)
      lines.push(
        pick(rnd, [
          '# a comment',
          '',
          '   ',
          '# dfsize-ignore',
          `# dfsize-ignore ${pick(rnd, ['apt-lists-not-removed', 'consecutive-run'])}`,
        ]),
      );
    else lines.push(instruction(rnd, escape, eol));
  }
  // A very long line now and then (a generated LABEL, a long RUN), and one unbalanced fragment anywhere.
  if (chance(rnd, 0.01)) lines.push(`LABEL big="${'x'.repeat(20_000 + Math.floor(rnd() * 40_000))}${variable(rnd)}"`);
  if (chance(rnd, 0.01)) lines.push(`RUN ${Array.from({ length: 300 }, () => pick(rnd, RUNS)).join(' && ')}`);
  if (chance(rnd, 0.3) && lines.length) {
    const at = Math.floor(rnd() * lines.length);
    const l = lines[at]!;
    const p = Math.floor(rnd() * (l.length + 1));
    lines[at] = l.slice(0, p) + pick(rnd, UNBALANCED) + l.slice(p);
  }
  const text = lines.join(eol) + (chance(rnd, 0.8) ? eol : '');
  return (chance(rnd, 0.05) ? '\uFEFF' : '') + text;
}
