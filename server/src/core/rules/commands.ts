// Recognising package managers and build tools among a RUN's commands: which subcommand runs, which options it got.
// Only static words count; a command whose name or subcommand is an expansion is not recognised (no guess).
import type { VarScope } from '../vars';
import type { Command, Word } from './shell';

/** Options that take the next word as their value, per tool (so the value is not taken for the subcommand). */
const VALUED: Record<string, ReadonlySet<string>> = {
  apt: new Set(['-o', '--option', '-c', '--config-file', '-t', '--target-release', '-a', '--host-architecture']),
  apk: new Set(['-X', '--repository', '-p', '--root', '--arch', '--keys-dir', '--cache-dir', '--repositories-file']),
  rpm: new Set([
    '-c',
    '--config',
    '--installroot',
    '--releasever',
    '--enablerepo',
    '--disablerepo',
    '--repo',
    '-x',
    '--exclude',
    '--setopt',
  ]),
  npm: new Set(['--prefix', '-C', '--workspace', '-w', '--registry', '--cache', '--loglevel']),
  none: new Set(),
};

export interface Invocation {
  readonly cmd: Command;
  /** The subcommand's word and its index among cmd.args; null when there is none. */
  readonly sub: Word | null;
  readonly subIndex: number;
}

/** The first argument that is neither an option nor an option's value. */
export function invocation(cmd: Command, valued: ReadonlySet<string> = VALUED.none!): Invocation | null {
  for (let i = 0; i < cmd.args.length; i++) {
    const v = cmd.args[i]!.value;
    if (v === null) return null; // an expansion where the subcommand may be: not ours to guess
    if (v.startsWith('-')) {
      if (valued.has(v)) i++;
      continue;
    }
    return { cmd, sub: cmd.args[i]!, subIndex: i };
  }
  return { cmd, sub: null, subIndex: cmd.args.length };
}

function sub(cmd: Command, names: ReadonlySet<string>, valued: ReadonlySet<string>): string | null {
  if (!cmd.name || !names.has(cmd.name)) return null;
  return invocation(cmd, valued)?.sub?.value ?? null;
}

const APT = new Set(['apt-get', 'apt']);
const APT_USES_LISTS = new Set([
  'install',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'build-dep',
  'source',
  'download',
  'reinstall',
  'satisfy',
]);

export const aptSub = (c: Command) => sub(c, APT, VALUED.apt!);
export const isAptInstall = (c: Command) => aptSub(c) === 'install';
export const isAptUpdate = (c: Command) => aptSub(c) === 'update';
/** Any apt command that reads the package lists an update wrote. */
export const aptUsesLists = (c: Command) => APT_USES_LISTS.has(aptSub(c) ?? '');

export const apkSub = (c: Command) => sub(c, new Set(['apk']), VALUED.apk!);

const RPM_TOOLS = new Set(['yum', 'dnf', 'microdnf', 'tdnf', 'dnf5']);
const RPM_INSTALLS = new Set([
  'install',
  'groupinstall',
  'localinstall',
  'reinstall',
  'update',
  'upgrade',
  'builddep',
  'distro-sync',
  'group',
  'module',
  'makecache',
]);
export const rpmSub = (c: Command) => sub(c, RPM_TOOLS, VALUED.rpm!);
export const isRpmInstall = (c: Command) => RPM_INSTALLS.has(rpmSub(c) ?? '');

/** `pip install`, `pip3 install`, `/venv/bin/pip install`, `python -m pip install`: the index of `install`, or -1. */
export function pipInstallIndex(c: Command): number {
  if (!c.name) return -1;
  if (/^pip[0-9.]*$/.test(c.name)) {
    const inv = invocation(c);
    return inv?.sub?.value === 'install' ? inv.subIndex : -1;
  }
  if (/^python[0-9.]*$/.test(c.name)) {
    const m = c.args.findIndex((a) => a.value === '-m');
    if (m >= 0 && /^pip[0-9.]*$/.test(c.args[m + 1]?.value ?? '') && c.args[m + 2]?.value === 'install') return m + 2;
  }
  return -1;
}

export const npmSub = (c: Command) => sub(c, new Set(['npm']), VALUED.npm!);
const NPM_INSTALLS = new Set([
  'install',
  'i',
  'ci',
  'add',
  'isntall',
  'in',
  'ins',
  'inst',
  'insta',
  'instal',
  'isnt',
  'isnta',
  'isntal',
  'install-clean',
  'clean-install',
  'ic',
]);
export const isNpmInstall = (c: Command) => NPM_INSTALLS.has(npmSub(c) ?? '');

/** Whether any option of `c` is one of `names` (`--flag` or `--flag=value`). */
export function hasOption(c: Command, names: readonly string[]): boolean {
  return c.args.some((a) => a.value !== null && names.some((n) => a.value === n || a.value!.startsWith(`${n}=`)));
}

/**
 * Whether an argument may expand to options the rule cannot see (`apt-get install $FLAGS x`): an unquoted or
 * leading expansion whose value the file does not give.
 */
export function hidesOptions(c: Command, scope: VarScope, look: (value: string) => boolean): boolean {
  for (const a of c.args) {
    if (a.value !== null) continue;
    const m = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/.exec(a.raw);
    if (m) {
      const known = scope.get(m[1]!);
      if (typeof known === 'string') {
        if (known.split(/\s+/).some(look)) return true;
        continue;
      }
    }
    if (/^"?[$`]/.test(a.raw)) return true;
  }
  return false;
}

export type Ecosystem = 'npm' | 'yarn' | 'pnpm' | 'pip' | 'poetry' | 'pipenv' | 'go' | 'cargo' | 'maven' | 'gradle';

/** The dependency install a command performs, if any (what `COPY . .` should not precede). */
export function dependencyInstall(c: Command): Ecosystem | null {
  const name = c.name;
  if (!name) return null;
  const first = invocation(c, name === 'npm' ? VALUED.npm! : VALUED.none!)?.sub?.value ?? null;
  switch (name) {
    case 'npm':
      return isNpmInstall(c) ? 'npm' : null;
    case 'yarn':
      return first === null || first === 'install' ? 'yarn' : null;
    case 'pnpm':
      return first === 'install' || first === 'i' ? 'pnpm' : null;
    case 'poetry':
      return first === 'install' ? 'poetry' : null;
    case 'pipenv':
      return first === 'install' || first === 'sync' ? 'pipenv' : null;
    case 'go':
      return first === 'mod' && c.args.some((a) => a.value === 'download') ? 'go' : null;
    case 'cargo':
      return first === 'build' || first === 'fetch' || first === 'install' ? 'cargo' : null;
    case 'mvn':
    case 'mvnw':
      return 'maven';
    case 'gradle':
    case 'gradlew':
      return first ? 'gradle' : null;
  }
  const pip = pipInstallIndex(c);
  if (
    pip >= 0 &&
    c.args.some((a) => a.value === '-r' || a.value === '--requirement' || /^(-r|--requirement=)./.test(a.value ?? ''))
  )
    return 'pip';
  return null;
}

export type Toolchain = 'go' | 'cargo' | 'maven' | 'gradle' | 'node' | 'dotnet';

/** The compile or bundle step a command runs, if any (what a runtime image does not need a toolchain for). */
export function toolchainBuild(c: Command): Toolchain | null {
  const name = c.name;
  if (!name) return null;
  const args = c.args.map((a) => a.value);
  const first = invocation(c)?.sub?.value ?? null;
  switch (name) {
    case 'go':
      return first === 'build' || first === 'install' ? 'go' : null;
    case 'cargo':
      return first === 'build' || first === 'install' ? 'cargo' : null;
    case 'mvn':
    case 'mvnw':
      return args.some((a) => a === 'package' || a === 'install' || a === 'verify') ? 'maven' : null;
    case 'gradle':
    case 'gradlew':
      return args.some((a) => /^(build|assemble|jar|bootJar|shadowJar|installDist)$/.test(a ?? '')) ? 'gradle' : null;
    case 'npm':
      return first === 'run' && args[c.args.indexOf(c.args.find((a) => a.value === 'run')!) + 1] === 'build'
        ? 'node'
        : null;
    case 'yarn':
    case 'pnpm':
      return first === 'build' || (first === 'run' && args.includes('build')) ? 'node' : null;
    case 'dotnet':
      return first === 'publish' || first === 'build' ? 'dotnet' : null;
  }
  return null;
}

/** Whether the shell of an instruction is a POSIX shell the rules can read (not cmd or PowerShell). */
export function isPosixShell(shell: readonly string[]): boolean {
  const exe = (shell[0] ?? '').replace(/\\/g, '/').split('/').pop()!.toLowerCase();
  return /^(sh|bash|ash|dash|zsh|ksh|mksh|busybox)$/.test(exe) && shell.at(-1) === '-c';
}

/** Commands that only delete (what can move into another RUN without changing anything else). */
export function onlyDeletes(c: Command): boolean {
  const v = c.args.map((a) => a.value);
  if (v.some((x) => x === null) || c.assignments.length) return false;
  switch (c.name) {
    case 'rm':
      return v.every((x) => !x!.startsWith('-') || /^-[rRfv]+$|^--(recursive|force)$/.test(x!));
    case 'apt-get':
    case 'apt':
      return v.length === 1 && v[0] === 'clean';
    case 'yum':
    case 'dnf':
    case 'microdnf':
    case 'tdnf':
      return v.join(' ') === 'clean all';
    case 'npm':
      return v.join(' ') === 'cache clean --force';
    case 'pip':
    case 'pip3':
      return v.join(' ') === 'cache purge';
    case 'true':
      return v.length === 0;
    case 'set':
      return v.every((x) => /^-[eux]+$/.test(x!));
  }
  return false;
}
