// Paths hashed into small tables, where an exact set of 400,000 path strings would cost tens of MB: a slot shared by
// two paths makes the table say more than is true, never less, so every use reads "maybe" as "yes".

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of `h` and one more UTF-16 code unit. */
const step = (h: number, c: number) => Math.imul(h ^ c, FNV_PRIME);

/** FNV-1a over a string's UTF-16 code units. */
export function hashPath(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = step(h, s.charCodeAt(i));
  return h >>> 0;
}

/**
 * Calls `at` with the hash of each directory above `path` ('/a' for '/a/b/c', then '/a/b') and then of the path
 * itself, in one pass over it; stops at the first call that returns true, and says whether one did.
 */
export function someAncestorHash(path: string, at: (hash: number, self: boolean) => boolean): boolean {
  let h = FNV_OFFSET;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x2f && i > 0 && at(h >>> 0, false)) return true;
    h = step(h, c);
  }
  return at(h >>> 0, true);
}

/** A power of two of at least `perEntry` slots per entry (from 1,024 to 2^25). */
export function tableSize(entries: number, perEntry: number): number {
  let size = 1024;
  while (size < entries * perEntry && size < 2 ** 25) size *= 2;
  return size;
}
