// The one error every archive problem ends in (a one-line reason), in a module of its own so that code which only
// needs to recognise it (the CLI's exit codes) does not load the archive reader.
export class ArchiveFormatError extends Error {
  override name = 'ArchiveFormatError';
}
