// Base images with a known smaller variant, and what each variant leaves out. Sizes below are a documented
// table used only when neither the engine nor a registry can give both sizes: Docker Hub / MCR, linux/amd64,
// uncompressed (what `docker images` shows), rounded, as of TABLE_DATE. Real sizes always win (RuleContext.imageSizes).

export const TABLE_DATE = '2024-06';

/** Uncompressed bytes by family and kind, for the message when nothing measured them. */
const TABLE: Record<string, Record<string, number>> = {
  node: { full: 1_100e6, slim: 200e6, alpine: 135e6 },
  python: { full: 1_020e6, slim: 130e6, alpine: 57e6 },
  ruby: { full: 1_000e6, slim: 222e6, alpine: 95e6 },
  rust: { full: 1_460e6, slim: 790e6 },
  golang: { full: 814e6, alpine: 230e6 },
  'eclipse-temurin': { jdk: 455e6, jre: 265e6 },
  openjdk: { jdk: 500e6, jre: 265e6 },
  maven: { jdk: 560e6, jre: 265e6 },
  gradle: { jdk: 700e6, jre: 265e6 },
  php: { full: 490e6, alpine: 90e6 },
  debian: { full: 117e6, slim: 74.8e6 },
  'dotnet/sdk': { sdk: 860e6, aspnet: 217e6 },
};

export interface ImageRef {
  readonly registry: string | null;
  /** Repository path without the registry (`library/` dropped): `node`, `dotnet/sdk`, `acme/app`. */
  readonly repo: string;
  readonly tag: string | null;
  readonly digest: string | null;
}

export function parseImageRef(ref: string): ImageRef | null {
  const m =
    /^(?:([a-z0-9.-]+(?::\d+)?|localhost(?::\d+)?)\/)?([a-z0-9._/-]+?)(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+:[a-f0-9]+))?$/i.exec(
      ref,
    );
  if (!m) return null;
  let registry: string | null = m[1] ?? null;
  let repo = m[2]!;
  // "acme/app": the first component is a Docker Hub namespace unless it looks like a host.
  if (registry && !/[.:]/.test(registry) && registry !== 'localhost') {
    repo = `${registry}/${repo}`;
    registry = null;
  }
  if (registry === 'docker.io' || registry === 'index.docker.io') registry = null;
  if (registry === null) repo = repo.replace(/^library\//, '');
  return { registry, repo, tag: m[3] ?? null, digest: m[4] ?? null };
}

export interface Variant {
  /** The smaller image's reference, written the way the FROM wrote the original (same registry prefix). */
  readonly tag: string;
  readonly family: string;
  readonly fromKind: string;
  readonly toKind: string;
  /** It swaps glibc for musl (alpine): prebuilt native binaries may not run. */
  readonly musl: boolean;
  /** The switch is not offered when the stage's RUNs match this (they need what the variant leaves out). */
  readonly unsafeIf: RegExp;
  /** The switch is clearly right when it is safe (fix-all applies it); alpine, other vendors and toolchains are not. */
  readonly preferred: boolean;
  readonly note: string;
}

const SUITES = '(bookworm|bullseye|buster|trixie|jammy|focal|noble)';
/**
 * What the full images have and the slim ones do not: compilers, git, curl, wget — and the installs that may compile
 * native code with them (node-gyp, wheels without a binary, gems with extensions). Running the app needs none of them.
 */
const NEEDS_FULL = new RegExp(
  [
    String.raw`\b(gcc|g\+\+|cc|make|cmake|git|curl|wget|ssh|scp|node-gyp|svn|hg)\b`,
    String.raw`\b(npm|pnpm)\s+(i|install|ci|rebuild|add)\b`,
    String.raw`\byarn\s*($|&&|;|\|)`,
    String.raw`\byarn\s+(install|add)\b`,
    String.raw`\bpip[0-9.]*\s+install\b`,
    String.raw`-m\s+pip\s+install\b`,
    String.raw`\b(gem|bundle)\s+install\b`,
    String.raw`\bcargo\s+(build|install)\b`,
  ].join('|'),
);
/** Alpine has no apt and no glibc. */
const NEEDS_FULL_OR_APT = new RegExp(`${NEEDS_FULL.source}|\\bapt(-get)?\\b|\\bdpkg\\b`);
const NEVER = /(?!)/;
const NEEDS_JDK = /\b(javac|jar|jlink|jpackage|jdeps|jshell|mvn|mvnw|gradle|gradlew|native-image)\b/;
const NEEDS_SDK = /\bdotnet\s+(build|publish|restore|test|pack|new|tool|add|ef|workload)\b/;

const official = (r: ImageRef) => r.registry === null && !r.repo.includes('/');

/** The smaller variants of an image reference, best first; empty when it has none (or is already small). */
export function smallerVariants(ref: string): Variant[] {
  const r = parseImageRef(ref);
  if (!r || r.digest) return [];
  const tag = r.tag ?? 'latest';
  const prefix = ref.slice(0, ref.length - (r.tag ? r.tag.length + 1 : 0));
  const v = (
    t: string,
    family: string,
    fromKind: string,
    toKind: string,
    unsafeIf: RegExp,
    preferred: boolean,
    note = '',
    base = prefix,
  ): Variant => ({
    tag: `${base}:${t}`,
    family,
    fromKind,
    toKind,
    musl: toKind === 'alpine',
    unsafeIf,
    preferred: preferred && toKind !== 'alpine',
    note,
  });
  if (r.registry === 'mcr.microsoft.com' && r.repo === 'dotnet/sdk') {
    const host = ref.slice(0, ref.indexOf('/dotnet/'));
    return [
      v(
        tag,
        'dotnet/sdk',
        'sdk',
        'aspnet',
        NEEDS_SDK,
        true,
        'the ASP.NET Core runtime (it also runs console apps)',
        `${host}/dotnet/aspnet`,
      ),
    ];
  }
  if (!official(r)) return [];
  const name = r.repo;
  const small = /(^|-)(slim|alpine|windowsservercore|nanoserver|minimal)/.test(tag);
  const suite = new RegExp(`^(.*?)-?${SUITES}$`).exec(tag);
  const ver = suite ? suite[1]! : tag === 'latest' ? '' : tag;
  const alpine = ver ? `${ver}-alpine` : 'alpine';
  switch (name) {
    case 'node':
      if (small) return [];
      return [
        v(
          suite ? `${suite[1]}-${suite[2]}-slim` : ver ? `${ver}-slim` : 'slim',
          name,
          'full',
          'slim',
          NEEDS_FULL,
          true,
        ),
        v(alpine, name, 'full', 'alpine', NEEDS_FULL_OR_APT, false),
      ];
    case 'python':
    case 'ruby':
    case 'rust':
      if (small) return [];
      return [
        v(
          suite ? `${suite[1]}-slim-${suite[2]}` : ver ? `${ver}-slim` : 'slim',
          name,
          'full',
          'slim',
          NEEDS_FULL,
          true,
        ),
        ...(name === 'rust' ? [] : [v(alpine, name, 'full', 'alpine', NEEDS_FULL_OR_APT, false)]),
      ];
    case 'golang':
      return small
        ? []
        : [
            v(
              alpine,
              name,
              'full',
              'alpine',
              new RegExp(`${NEEDS_FULL_OR_APT.source}|CGO_ENABLED=1`),
              false,
              'but still the whole toolchain: a builder stage is the real fix',
            ),
          ];
    case 'php':
      return small || /apache/.test(tag)
        ? []
        : [v(alpine, name, 'full', 'alpine', new RegExp(`${NEEDS_FULL_OR_APT.source}|docker-php-ext|pecl`), false)];
    case 'debian':
      if (small || /backports/.test(tag)) return [];
      return [v(tag === 'latest' ? 'stable-slim' : `${tag}-slim`, name, 'full', 'slim', NEVER, true)];
    case 'eclipse-temurin': {
      if (/jre/.test(tag)) return [];
      const t = /jdk/.test(tag)
        ? tag.replace('jdk', 'jre')
        : tag === 'latest'
          ? 'jre'
          : tag.replace(/^([^-]+)/, '$1-jre');
      return [v(t, name, 'jdk', 'jre', NEEDS_JDK, true)];
    }
    case 'openjdk':
    case 'maven':
    case 'gradle': {
      if (/jre/.test(tag)) return [];
      const major = javaMajor(name, tag);
      if (!major || Number(major) < 8) return [];
      return [
        v(
          `${major}-jre`,
          name,
          'jdk',
          'jre',
          NEEDS_JDK,
          false,
          'a JRE to run the jar, built in a separate stage',
          'eclipse-temurin',
        ),
      ];
    }
  }
  return [];
}

/** The Java major version a JDK-based image's tag names (`3.9-eclipse-temurin-21` → 21, `8.8-jdk17` → 17). */
export function javaMajor(repo: string, tag: string): string | null {
  const m =
    repo === 'maven'
      ? /(?:temurin|openjdk|corretto|sapmachine|semeru|graalvm-[a-z]+|liberica)-(\d{1,2})(?:\D|$)/.exec(tag)
      : repo === 'gradle'
        ? /jdk-?(\d{1,2})(?:\D|$)/.exec(tag)
        : /^(\d{1,2})(?:\D|$)/.exec(tag);
  return m?.[1] ?? null;
}

/** The documented size of one side of a variant, or null. */
export function tableSize(family: string, kind: string): number | null {
  return TABLE[family]?.[kind] ?? null;
}
