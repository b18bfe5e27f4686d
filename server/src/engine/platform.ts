// Platforms as images name them (`linux/arm64/v8`): read from a descriptor or config, this machine's, and whether one
// satisfies what was asked for. Shared by archives and registries.

export function platformOf(p: { os?: unknown; architecture?: unknown; variant?: unknown } | undefined): string | null {
  const text = (v: unknown) => (typeof v === 'string' && /^[\w.-]{1,64}$/.test(v) ? v : null);
  const os = text(p?.os);
  const arch = text(p?.architecture);
  return os && arch ? [os, arch, text(p?.variant)].filter(Boolean).join('/') : null;
}

export function hostPlatform(): string {
  const arch =
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[process.arch] ?? process.arch;
  return `linux/${arch}`;
}

/** `linux/arm64` matches `linux/arm64/v8`; a variant asked for must be there. */
export function platformMatches(have: string | null, want: string): boolean {
  return have === want || (have?.startsWith(`${want}/`) ?? false);
}
