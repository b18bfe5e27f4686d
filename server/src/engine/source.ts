// The narrow seam between the product and an image store. Everything above it works on these types; only
// engine/dockerode.ts talks to an engine and only engine/archive*.ts reads archive files.
import type { HistoryRow, ImageInfo } from '../core/history';

export interface ImageSummary {
  readonly id: string;
  readonly refs: readonly string[];
  /** Unix seconds. */
  readonly created: number;
  readonly sizeBytes: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EngineVersion {
  readonly product: 'docker' | 'podman' | 'unknown';
  readonly version: string;
  readonly apiVersion: string;
}

/** An image's metadata without its history (`GET /images/{id}/json`). */
export type ImageDetails = Omit<ImageInfo, 'history'>;

export interface ImageSource {
  /** Where it reads from, for messages: `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  version(): Promise<EngineVersion>;
  list(): Promise<ImageSummary[]>;
  inspect(ref: string): Promise<ImageDetails>;
  /** Oldest row first. */
  history(ref: string): Promise<HistoryRow[]>;
  /** The image as a docker-archive tar stream (`GET /images/{id}/get`). */
  export(ref: string): Promise<NodeJS.ReadableStream>;
}

export interface Disposable {
  dispose(): void;
}

export type EngineErrorKind = 'unreachable' | 'timeout' | 'not-found' | 'bad-reference' | 'bad-endpoint' | 'failed';

/** Every failure of an ImageSource, with a message a user can act on. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Inspect and history together: what core needs of an image. */
export async function loadImage(source: ImageSource, ref: string): Promise<ImageInfo> {
  // In turn, so that an unknown image is reported as such rather than as a missing history.
  const details = await source.inspect(ref);
  return { ...details, history: await source.history(details.id) };
}

// Docker's reference grammar, loosely: [registry[:port]/]path[:tag][@digest], or a bare image id. Capitals are
// checked apart (lowercased): the registry and the tag may have them, the repository path may not.
const REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/i;
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{6,64}$/;

/** True for a well-formed image reference or id; nothing else is ever put into an API path. */
export function isImageReference(ref: string): boolean {
  return ref.length <= 512 && (IMAGE_ID.test(ref) || (REFERENCE.test(ref) && lowercased(ref) === ref));
}

/**
 * `ref` with its repository path in lower case (not its registry, tag or digest). As docker reads it, the first
 * component names a registry only when it has a dot or a port, or is localhost.
 */
function lowercased(ref: string): string {
  const at = ref.indexOf('@');
  const [named, digest] = at < 0 ? [ref, ''] : [ref.slice(0, at), ref.slice(at)];
  const colon = named.lastIndexOf(':');
  const [name, tag] = colon > named.lastIndexOf('/') ? [named.slice(0, colon), named.slice(colon)] : [named, ''];
  const slash = name.indexOf('/');
  const registry = slash >= 0 && /[.:]|^localhost$/.test(name.slice(0, slash)) ? name.slice(0, slash + 1) : '';
  return registry + name.slice(registry.length).toLowerCase() + tag + digest;
}

/** Docker's one line when capitals in the repository name are all that is wrong with `ref`; null otherwise. */
export function lowercaseProblem(ref: string): string | null {
  const lower = lowercased(ref);
  return lower !== ref && isImageReference(lower) ? `"${ref}": repository name must be lowercase (${lower}?)` : null;
}

/** Why `ref` is not an image reference, in one line that says what to give; null when it is one. */
export function referenceProblem(ref: string): string | null {
  if (isImageReference(ref)) return null;
  return lowercaseProblem(ref) ?? `"${ref}" is not an image reference (name[:tag], name@sha256:…, or an image id)`;
}
