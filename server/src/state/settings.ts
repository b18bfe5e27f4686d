// Settings resolved per document into one typed object (`workspace/configuration` scoped to the document), kept
// until the client says they changed. In an untrusted workspace the engine and mirror addresses are never taken from
// settings.
import type { Connection } from 'vscode-languageserver/node';
import { toSettings, type Settings } from '../protocol';

export class SettingsStore {
  private readonly cache = new Map<string, Promise<Settings>>();

  constructor(
    private readonly connection: Connection,
    private readonly canAsk: boolean,
    private readonly trusted: boolean,
    /** From initializationOptions (then from each change's push), for editors that cannot be asked. */
    private initial: unknown,
  ) {}

  get(uri: string): Promise<Settings> {
    let s = this.cache.get(uri);
    if (!s) {
      const raw = this.canAsk
        ? this.connection.workspace
            .getConfiguration({ scopeUri: uri, section: 'dockerfileSize' })
            .catch(() => this.initial)
        : Promise.resolve(this.initial);
      s = raw.then((r) => this.restrict(toSettings(r)));
      this.cache.set(uri, s);
    }
    return s;
  }

  /** `pushed`: the `dockerfileSize` section a client sent with didChangeConfiguration (for editors that cannot be asked). */
  clear(pushed?: unknown): void {
    if (!this.canAsk && pushed !== undefined) this.initial = pushed;
    this.cache.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }

  private restrict(s: Settings): Settings {
    return this.trusted ? s : { ...s, engine: { ...s.engine, host: '' }, registry: { insecure: [], mirror: '' } };
  }
}
