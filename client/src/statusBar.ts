// The status bar item: the engine's state and the image the active Dockerfile's numbers come from, driven by the
// server's `dfsize/status` notifications. A click opens "Select Image for Dockerfile…".
import * as vscode from 'vscode';
import { formatBytes } from '../../server/src/core/format';
import type { Status } from '../../server/src/protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dfsize.status', vscode.StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, Status>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    command: string,
    private enabled: boolean,
  ) {
    this.item.name = 'Dockerfile Size';
    this.item.command = command;
    this.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
  }

  update(status: Status): void {
    this.byUri.set(status.uri, status);
    this.render();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.render();
  }

  private render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const s = doc ? this.byUri.get(doc.uri.toString()) : undefined;
    if (!this.enabled || !doc || doc.languageId !== 'dockerfile') {
      this.item.hide();
      return;
    }
    if (!s) {
      this.item.text = '$(sync~spin) Dockerfile size';
      this.item.tooltip = 'Looking for the image this Dockerfile built…';
    } else if (s.engine.reachable === false) {
      this.item.text = s.image
        ? `$(debug-disconnect) ${formatBytes(s.image.sizeBytes)} (cached)`
        : '$(debug-disconnect) no engine';
      this.item.tooltip = new vscode.MarkdownString(
        `**The engine does not answer** (${s.engine.url ?? '?'}, from ${s.engine.source}).\n\n${s.message}\n\nStart Docker, set \`dockerfileSize.engine.host\`, or select an image.`,
      );
    } else if (s.image) {
      this.item.text = `$(layers) ${formatBytes(s.image.sizeBytes)} · ${s.image.ref}`;
      this.item.tooltip = new vscode.MarkdownString(
        `**${s.image.ref}** · ${formatBytes(s.image.sizeBytes)}\n\n${s.message}\n\nEngine: ${s.engine.product ?? 'engine'} ${s.engine.version ?? ''} at ${s.engine.url} (${s.engine.source})\n\nClick to choose another image.`,
      );
    } else {
      this.item.text = '$(circle-slash) no image';
      this.item.tooltip = new vscode.MarkdownString(`${s.message}\n\nClick to choose an image.`);
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
