// COPY and ADD as the rules need them: sources and destination with the variables the builder would expand,
// the destination resolved against WORKDIR, and the flags that matter for size (--from, --chown, --chmod).
import { stageChain, type DockerfileModel, type Instruction } from '../dockerfile';
import { resolveWorkdir } from '../instructionText';
import { expandVars } from '../vars';

export interface CopyInfo {
  readonly inst: Instruction;
  /** Sources with variables expanded; a source still holding `$` could not be resolved. None for `COPY <<EOF dest`: its files are the heredocs' bodies, not files of the context. */
  readonly sources: readonly string[];
  readonly dest: string;
  /** The destination as an absolute path (trailing slash dropped), or null when a variable hides it. */
  readonly destAbs: string | null;
  /** The destination names a directory (a trailing slash, or several sources). */
  readonly destIsDir: boolean;
  readonly from: string | null;
  readonly chown: string | null;
  readonly chmod: string | null;
}

export function copyInfo(model: DockerfileModel, inst: Instruction): CopyInfo | null {
  if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return null;
  // A heredoc COPY writes its bodies: the command line holds the operators and the destination.
  const words = inst.json ?? (inst.heredoc ? inst.args.split(/\r?\n/, 1)[0]! : inst.args).split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  const expand = (w: string) => expandVars(w, inst.scope, model.escape, true);
  const sources = inst.heredoc ? [] : words.slice(0, -1).map(expand);
  const dest = expand(words.at(-1)!);
  const flag = (name: string) => inst.flags.find((f) => f.name === name)?.value ?? null;
  const destAbs = dest.includes('$') || inst.workdir.includes('$') ? null : resolveWorkdir(inst.workdir, dest);
  return {
    inst,
    sources,
    dest,
    destAbs,
    destIsDir: dest.endsWith('/') || words.length > 2,
    from: flag('from'),
    chown: flag('chown'),
    chmod: flag('chmod'),
  };
}

/** The COPY/ADD instructions from the build context (no --from) before `before` in its stage chain. */
export function contextCopiesBefore(model: DockerfileModel, before: Instruction): CopyInfo[] {
  const chain = new Set(stageChain(model, before.stage));
  return model.instructions
    .filter((i) => i.index < before.index && chain.has(i.stage))
    .map((i) => copyInfo(model, i))
    .filter((c): c is CopyInfo => c !== null && c.from === null);
}

/** `.`, `./`, `./.`: the whole context. */
export function isWholeContext(source: string): boolean {
  return /^\.?\/?\.?\/?$/.test(source) && source !== '' && source !== '/';
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Where a context file named `name` lands when this COPY copies it (null when it does not, or cannot tell). */
export function landingDir(copy: CopyInfo, name: string, contextHas: (path: string) => boolean): string | null {
  if (copy.destAbs === null) return null;
  for (const s of copy.sources) {
    const base = s.replace(/^\.\//, '');
    if (isWholeContext(s)) return contextHas(name) ? copy.destAbs : null;
    if (base === name || globMatches(base, name)) {
      return copy.destIsDir ? copy.destAbs : copy.destAbs.replace(/\/[^/]*$/, '') || '/';
    }
  }
  return null;
}

/** Docker's COPY wildcards (`*`, `?`) on one path segment. */
export function globMatches(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return false;
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    // A pattern Docker would reject too (an unclosed class): it matches nothing.
    return false;
  }
}
