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
      let e: { Type?: string; Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        continue;
      }
      if (e.Type !== undefined && e.Type !== 'image') continue;
      yield { action: e.Action ?? e.status ?? '', id: e.Actor?.ID ?? e.id ?? '', ref: e.Actor?.Attributes?.name ?? null };
    }
  }
}

const DELAYS_MS = [250, 500, 1000, 2000, 5000, 10000];

/** Watches until disposed. `delays` is for tests; the default grows to 10 s between attempts. */
export function watchImageEvents(source: EventSource, handlers: WatchHandlers, delays: readonly number[] = DELAYS_MS): Disposable {
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
  return { dispose: () => { abort.abort(); clearTimeout(timer); } };
}
