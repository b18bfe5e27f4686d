// Exit codes of every dfsize command (README): 0 ok, 1 a gate failed, 2 bad input, 3 engine (or registry) unreachable.
// 4 is ours: an internal error (a bug), reported in one line like everything else.
import { ArchiveFormatError } from '../engine/archiveError';
import { EngineError } from '../engine/source';
import { UnsafeWriteError } from '../files/safeWrite';
import { RegistryError } from '../registry/client';
import { CredentialError } from '../registry/credentials';

export const EXIT = { ok: 0, gateFailed: 1, badInput: 2, engineUnreachable: 3, internal: 4 } as const;

/** Bad input the user can fix: the message says what and how. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A file the user named that cannot be read or written: bad input, not a bug. */
function fileProblem(e: unknown): NodeJS.ErrnoException | null {
  const err = e as NodeJS.ErrnoException | null | undefined;
  return typeof err?.code === 'string' &&
    ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EISDIR', 'ENOTDIR', 'ENOENT', 'EEXIST'].includes(err.code) &&
    typeof err.path === 'string'
    ? err
    : null;
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError || e instanceof ArchiveFormatError || e instanceof UnsafeWriteError || fileProblem(e))
    return EXIT.badInput;
  if (e instanceof EngineError)
    return e.kind === 'unreachable' || e.kind === 'timeout' ? EXIT.engineUnreachable : EXIT.badInput;
  // A registry that does not answer (or will not now) is like an engine that does not; the rest is the user's to fix.
  if (e instanceof RegistryError)
    return e.kind === 'unreachable' || e.kind === 'rate-limited' ? EXIT.engineUnreachable : EXIT.badInput;
  if (e instanceof CredentialError) return EXIT.badInput;
  return EXIT.internal;
}

export function messageOf(e: unknown): string {
  if (e instanceof UsageError || e instanceof EngineError || e instanceof UnsafeWriteError) return e.message;
  if (e instanceof RegistryError || e instanceof CredentialError) return e.message;
  if (e instanceof ArchiveFormatError) return e.message;
  const file = fileProblem(e);
  if (file)
    return `${file.path}: ${file.code === 'ENOENT' ? 'no such file or folder' : file.code === 'ENOSPC' ? 'no space left on the disk' : `cannot be written or read (${file.code})`}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)} (please report it with the command you ran)`;
}

/** Rules that threw while the command ran: one line saying so, or each failure with its stack under --verbose. */
export function ruleFailureLines(failures: ReadonlyArray<{ code: string; error: unknown }>, verbose: boolean): string {
  if (!failures.length) return '';
  if (verbose)
    return failures
      .map(
        (f) =>
          `dfsize: rule ${f.code} failed: ${f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error)}\n`,
      )
      .join('');
  const codes = failures.map((f) => f.code).join(', ');
  return `dfsize: ${failures.length > 1 ? `${failures.length} rules` : 'a rule'} failed (${codes}): ${failures.length > 1 ? 'their' : 'its'} findings are missing; --verbose shows why\n`;
}
