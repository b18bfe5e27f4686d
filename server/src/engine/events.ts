// The engine's event stream (`GET /events`, image events only), kept open: when it drops — the engine restarted,
// the socket went away — it is noticed, reported, and re-opened with a growing delay.
import type { Disposable } from './source';

export interface ImageEvent {
  /** pull, tag, untag, delete, import, load, save, … */
  readonly action: string;
  readonly id: string;
  /** The reference concerned, when the event names one. */
  readonly ref: string | null;
}

export interface EventSource {
  /** The stream of image events from now on; ends (or errors) when the connection drops. */
  imageEvents(signal: AbortSignal): Promise<AsyncIterable<ImageEvent>>;
}

/** What the engine still remembers of its image events (dockerd keeps its last 256): the CLI's view of lately. */
export interface EventHistory {
  /** The image events from `since` (Unix seconds) until now that made an image or moved a tag to it (MAKING_ACTIONS). */
  pastImageEvents(since: number): Promise<ImageEvent[]>;
}

/** The actions that make an image, or move a tag to one: a build, even one taken wholly from the cache, tags. */
export const MAKING_ACTIONS: readonly string[] = ['tag', 'build', 'load', 'import'];

export interface RecentImage {
  readonly id: string;
  readonly ref: string | null;
}

/**
 * The images lately built, tagged, loaded or imported, newest first and at most `max`: discovery scores them before
 * the newest by date, since an image rebuilt from the cache keeps its old creation date.
 */
export class RecentImages {
  private readonly items: RecentImage[] = [];

  constructor(private readonly max = 50) {}

  /** Events oldest first, as the engine sends them. */
  note(e: ImageEvent): void {
    if (!MAKING_ACTIONS.includes(e.action) || !e.id) return;
    const known = this.items.findIndex((x) => x.id === e.id && x.ref === e.ref);
    if (known >= 0) this.items.splice(known, 1);
    this.items.unshift({ id: e.id, ref: e.ref });
    this.items.length = Math.min(this.items.length, this.max);
  }

  list(): readonly RecentImage[] {
    return [...this.items];
  }
}

export interface WatchHandlers {
  onEvent(e: ImageEvent): void;
  /** Connected (null) or why not. */
  onState(error: string | null): void;
}

/** Decodes the engine's newline-delimited JSON events. */
export async function* decodeEvents(stream: AsyncIterable<Buffer | string>): AsyncIterable<ImageEvent> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let e: {
        Type?: string;
        Action?: string;
        status?: string;
        id?: string;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        // A line that is not an event (a proxy's keep-alive, a half-written line at a reconnect) tells of no image
        // change: it is skipped and the stream goes on.
        continue;
      }
      if (e.Type !== undefined && e.Type !== 'image') continue;
      yield {
        action: e.Action ?? e.status ?? '',
        id: e.Actor?.ID ?? e.id ?? '',
        ref: e.Actor?.Attributes?.name ?? null,
      };
    }
  }
}

const DELAYS_MS = [250, 500, 1000, 2000, 5000, 10000];

/** Watches until disposed. `delays` is for tests; the default grows to 10 s between attempts. */
export function watchImageEvents(
  source: EventSource,
  handlers: WatchHandlers,
  delays: readonly number[] = DELAYS_MS,
): Disposable {
  const abort = new AbortController();
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    try {
      const events = await source.imageEvents(abort.signal);
      attempt = 0;
      handlers.onState(null);
      for await (const e of events) handlers.onEvent(e);
      if (!abort.signal.aborted) handlers.onState('the engine closed its event stream');
    } catch (e) {
      if (!abort.signal.aborted) handlers.onState((e as Error).message);
    }
    if (abort.signal.aborted) return;
    timer = setTimeout(() => void run(), delays[Math.min(attempt++, delays.length - 1)]);
  };
  void run();
  return {
    dispose: () => {
      abort.abort();
      clearTimeout(timer);
    },
  };
}
