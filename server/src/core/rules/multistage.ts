// The rewrite behind compiled-no-multistage: the stage that compiles becomes a builder stage, and a runtime stage
// after it copies only the artifact. The instructions after the build (ENV, EXPOSE, USER, ENTRYPOINT, CMD, …) stay
// where they are and so become the runtime stage's; nothing else of the file moves.
import type { DockerfileModel, Instruction, Stage } from '../dockerfile';
import { resolveWorkdir } from '../instructionText';
import type { Toolchain } from './commands';
import type { ShellRun } from './context';
import { copyInfo } from './copies';
import { insert, insertLinesAfter } from './edit';
import { javaMajor, parseImageRef } from './baseImages';
import { topLevel, type Command } from './shell';
import { instructionSource, LineIndex } from './text';
import type { Fix } from './types';

/** What may follow the build in the stage: metadata the runtime stage takes over as is. */
const MOVABLE = new Set(['ENV', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'LABEL', 'STOPSIGNAL', 'USER', 'WORKDIR']);
/** ENV names that configure the toolchain, not the app: not repeated in the runtime stage. */
const TOOLCHAIN_ENV = /^(GO|CGO_|CARGO|RUST|MAVEN|GRADLE|JAVA_HOME|JDK|DOTNET|NUGET|PATH$|NPM|NODE_OPTIONS)/;

/** The file the toolchain command writes: `go build -o X`, or what a later `cp`/`mv`/`install` puts in place. */
function artifactOf(run: ShellRun, build: Command, kind: Toolchain): string | null {
  const abs = (p: string) => (p.startsWith('/') ? resolveWorkdir('/', p) : resolveWorkdir(run.inst.workdir, p));
  if (kind === 'go') {
    const k = build.args.findIndex((a) => a.value === '-o' || /^-o=/.test(a.value ?? ''));
    if (k < 0) return null;
    const out = build.args[k]!.value!.startsWith('-o=') ? build.args[k]!.value!.slice(3) : build.args[k + 1]?.value;
    return out && !out.endsWith('/') && !out.includes('$') ? abs(out) : null;
  }
  if (kind === 'dotnet') {
    const k = build.args.findIndex((a) => a.value === '-o' || a.value === '--output');
    const out = k >= 0 ? build.args[k + 1]?.value : null;
    return out && !out.includes('$') ? abs(out) : null;
  }
  // The last copy out of the build tree, after the build, names the artifact (`cp target/*.jar /app/app.jar`).
  const after = topLevel(run.script).filter(
    (c) => c.start > build.start && (c.name === 'cp' || c.name === 'mv' || c.name === 'install'),
  );
  const last = after.at(-1);
  const paths = last?.args.filter((a) => !(a.value ?? '').startsWith('-')) ?? [];
  const dest = paths.at(-1)?.value;
  if (!last || paths.length !== 2 || !dest || dest.includes('$') || dest.endsWith('/')) return null;
  return abs(dest);
}

/** The runtime base that fits the builder's base; the same base when it is not a known toolchain image. */
function runtimeBase(
  model: DockerfileModel,
  stage: Stage,
  lines: LineIndex,
  kind: Toolchain,
  cgoOff: boolean,
): string | null {
  const src = instructionSource(model, stage.from, lines);
  const raw = src && /^\S+/.exec(src.text)?.[0];
  if (!raw || stage.base.kind !== 'image') return null;
  const r = parseImageRef(stage.base.ref);
  const tag = r?.tag ?? 'latest';
  const suite = /(bookworm|bullseye|buster|trixie)/.exec(tag)?.[1] ?? 'bookworm';
  const alpine = /alpine(\d+\.\d+)?/.exec(tag);
  const alpineBase = alpine ? `alpine:${alpine[1] ?? '3'}` : null;
  const official = r && r.registry === null && !r.repo.includes('/');
  if (official && r.repo === 'golang')
    return alpineBase ?? (cgoOff ? 'gcr.io/distroless/static-debian12' : `debian:${suite}-slim`);
  if (official && r.repo === 'rust') return alpineBase ?? `debian:${suite}-slim`;
  if (official && ['maven', 'gradle', 'eclipse-temurin', 'openjdk'].includes(r.repo)) {
    const major = javaMajor(r.repo, tag);
    return major ? `eclipse-temurin:${major}-jre` : null;
  }
  if (r?.registry === 'mcr.microsoft.com' && r.repo === 'dotnet/sdk') return `mcr.microsoft.com/dotnet/aspnet:${tag}`;
  if (kind === 'node') return null;
  return raw; // e.g. debian with the toolchain installed by a RUN: the runtime starts from the same base without it
}

/** Absolute paths an exec-form ENTRYPOINT/CMD names (`/usr/local/bin/app`, `-jar /app.jar`, `-javaagent:/x.jar`). */
function pathsNamed(insts: readonly Instruction[]): string[] | null {
  const out: string[] = [];
  for (const i of insts) {
    if (i.keyword !== 'ENTRYPOINT' && i.keyword !== 'CMD') continue;
    if (!i.json) return null; // shell form needs a shell the runtime base may not have
    for (const a of i.json) {
      const m = /(?:^|[:=])(\/[^\s:=]+)$/.exec(a);
      if (m) out.push(m[1]!);
    }
  }
  return out;
}

export function multistageFix(
  model: DockerfileModel,
  lines: LineIndex,
  stage: Stage,
  run: ShellRun,
  build: Command,
  kind: Toolchain,
): Fix | null {
  if (stage.base.kind !== 'image') return null;
  const after = stage.instructions.filter((i) => i.index > run.inst.index);
  if (after.some((i) => !MOVABLE.has(i.keyword) || (i.keyword === 'USER' && !/^\d+(:\d+)?$/.test(i.args.trim()))))
    return null;
  const artifact = artifactOf(run, build, kind);
  if (!artifact) return null;
  const named = pathsNamed(after);
  if (!named || !after.some((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD')) return null;
  // Besides the artifact, the runtime may name files an ADD or COPY of this stage put in place (a Java agent).
  const placed = stage.instructions
    .filter((i) => i.index < run.inst.index)
    .map((i) => copyInfo(model, i))
    .filter((c) => c && c.destAbs);
  const copies = [artifact];
  for (const p of named) {
    if (p === artifact || (kind === 'dotnet' && p.startsWith(`${artifact}/`))) continue;
    const from = placed.find(
      (c) =>
        c!.destAbs === p ||
        (c!.destIsDir && p.startsWith(`${c!.destAbs}/`) && !p.slice(c!.destAbs!.length + 1).includes('/')),
    );
    if (!from) return null;
    copies.push(p);
  }
  const cgoOff = build.assignments.some((a) => a.raw === 'CGO_ENABLED=0') || run.inst.scope.get('CGO_ENABLED') === '0';
  const runtime = runtimeBase(model, stage, lines, kind, cgoOff);
  if (!runtime) return null;

  const lower = /^[a-z]/.test(
    lines.text.slice(lines.offsetAt(stage.from.keywordRange.start), lines.offsetAt(stage.from.keywordRange.end)),
  );
  const kw = (k: string) => (lower ? k.toLowerCase() : k);
  const taken = new Set(model.stages.map((s) => s.name?.toLowerCase()));
  const name = stage.name ?? ['build', 'builder', 'compile'].find((n) => !taken.has(n)) ?? `build${stage.index}`;
  const edits = [];
  if (!stage.name) edits.push(insert(lines, lines.offsetAt(stage.from.range.end), ` ${kw('AS')} ${name}`));
  const eol = lines.eol;
  const envs = stage.instructions.filter(
    (i) => i.index < run.inst.index && i.keyword === 'ENV' && !envKeys(i.args).some((k) => TOOLCHAIN_ENV.test(k)),
  );
  const block = [
    '',
    `${kw('FROM')} ${runtime}`,
    ...(run.inst.workdir !== '/' && !after.some((i) => i.keyword === 'WORKDIR')
      ? [`${kw('WORKDIR')} ${run.inst.workdir}`]
      : []),
    ...copies.map((p) => `${kw('COPY')} --from=${name} ${p} ${p}`),
    ...envs.map((i) => lines.text.slice(lines.lineStart(i.range.start.line), lines.lineEnd(i.range.end.line))),
  ].join(eol);
  edits.push(insertLinesAfter(lines, run.inst, block));
  return {
    title: `Build in a "${name}" stage and run on ${runtime} with only ${copies.length === 1 ? copies[0] : `${copies.length} files`}`,
    edits,
    preferred: false,
  };
}

function envKeys(args: string): string[] {
  const words = args.trim().split(/\s+/);
  if (words[0] && !words[0].includes('=')) return [words[0]];
  return words.filter((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)).map((w) => w.slice(0, w.indexOf('=')));
}
