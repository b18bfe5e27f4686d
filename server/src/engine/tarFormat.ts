// The tar format as every reader here sees it: a header's fields (as Go's archive/tar, what Docker unpacks with,
// reports them), where a body goes, and the one failure type. tarReader.ts reads tars with it; the tests hold that
// reader to tar-stream's (test/support/tarStreamReader.ts).
//
// Where tar readers would read the same bytes differently, the entry is refused rather than read one way: a link,
// device or FIFO whose size field claims a body (Go reads none, tar-stream would read one and continue at another
// offset).

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  readonly name: string;
  readonly type: TarType;
  /** The size field (PAX `size` when present): what Go's `FileInfo().Size()` says, and what dive adds up. */
  readonly size: number;
  readonly mode: number;
  readonly linkname: string;
  readonly uid: number;
  readonly gid: number;
  /** The header's type flag as Go's archive/tar reports it (`'0'` is 48; an old `'\0'` regular file reads as `'0'`). */
  readonly typeflag: number;
  /** Where the entry's body starts in the tar (bytes). */
  readonly offset: number;
}

/**
 * Where an entry's body goes. Either method may return a promise to hold the reader back (backpressure). A chunk is
 * lent, not given: its bytes may be reused once `data` has returned (or its promise has settled), so a sink that
 * keeps bytes longer copies them.
 */
export interface TarBody {
  data(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export class TarError extends Error {
  override name = 'TarError';
  /** 'bomb': the archive claims more than the limits allow (refused on purpose, not a reading accident). */
  constructor(
    message: string,
    readonly kind: 'corrupt' | 'bomb' | 'truncated' = 'corrupt',
  ) {
    super(message);
  }
}

const HEADER_ONLY = new Set<TarType>(['hardlink', 'symlink', 'char', 'block', 'fifo']);
/** A link, device or FIFO whose size field claims a body is refused (see the top of this file). */
export function headerOnlyCheck(type: TarType, size: number, name: string): void {
  if (HEADER_ONLY.has(type) && size > 0) {
    throw new TarError(
      `the ${type} ${JSON.stringify(name.slice(0, 200))} claims a body of ${size} bytes, which tar readers disagree about`,
    );
  }
}
