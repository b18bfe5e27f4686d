// The image the user chose per Dockerfile, remembered in the workspace's storage and handed to the server at start.
import type * as vscode from 'vscode';

const KEY = 'dfsize.selections';

export class Selections {
  constructor(private readonly memento: vscode.Memento) {}

  all(): Record<string, string> {
    return this.memento.get<Record<string, string>>(KEY, {});
  }

  async set(uri: string, ref: string | null): Promise<void> {
    const next = Object.entries(this.all()).filter(([u]) => u !== uri);
    if (ref) next.push([uri, ref]);
    await this.memento.update(KEY, Object.fromEntries(next));
  }
}
