// "Compare with Previous Build" and "Compare Images…": the server compares the document's image with an older one and
// answers a screen of text, shown here as a read-only document (no webview: the text is the whole result).
import * as vscode from 'vscode';
import { CompareRequest, ListImagesRequest } from '../../server/src/protocol';
import { formatBytes } from '../../server/src/core/format';
import { dockerfileUri } from './commands';
import type { Ctx } from './ctx';

export const COMPARE_SCHEME = 'dfsize-compare';

/** The comparisons shown in this window, by document URI; a comparison asked again replaces its text. */
export class CompareDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This comparison is no longer open: run the command again.';
  }

  async show(name: string, text: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${name}.txt` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

async function run(ctx: Ctx, docs: CompareDocuments, uri: vscode.Uri, old: string): Promise<void> {
  const client = ctx.client;
  if (!client) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Comparing the images (reading their layers)…' },
    () => client.sendRequest(CompareRequest.type, { uri: uri.toString(), old }),
  );
  if (result.text === null) {
    void vscode.window.showInformationMessage(`Compare: ${result.message}`);
    return;
  }
  const name = vscode.workspace.asRelativePath(uri).replace(/[/\\]/g, '-');
  await docs.show(
    `${name} compared with ${old === 'previous' ? 'the previous build' : old.replace(/[/:]/g, '-')}`,
    result.text,
  );
}

export function compareWithPrevious(ctx: Ctx, docs: CompareDocuments): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    const uri = dockerfileUri(ctx, arg);
    if (!uri) {
      void vscode.window.showInformationMessage(
        'Open a Dockerfile first: its image is compared with its previous build.',
      );
      return;
    }
    await run(ctx, docs, uri, 'previous');
  };
}

/** Picks the older image among the local ones (the document's own image is the newer). */
export function compareImages(ctx: Ctx, docs: CompareDocuments): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    const uri = dockerfileUri(ctx, arg);
    const client = ctx.client;
    if (!uri || !client) {
      void vscode.window.showInformationMessage(
        'Open a Dockerfile first: its image is compared with the one you pick.',
      );
      return;
    }
    const items = client.sendRequest(ListImagesRequest.type, { uri: uri.toString() }).then((choices) =>
      choices
        .filter((c) => !c.current)
        .map((c) => ({
          label: c.refs[0] ?? c.id.slice(7, 19),
          description: `${formatBytes(c.sizeBytes)} · ${String(Math.round(c.score * 100))}% match`,
          detail: `${c.id.slice(7, 19)} · ${new Date(c.created * 1000).toLocaleString()}`,
          ref: c.refs[0] ?? c.id,
        })),
    );
    const pick = await vscode.window.showQuickPick(items, {
      title: `Compare the image of ${vscode.workspace.asRelativePath(uri)} with…`,
      placeHolder: 'The older image: what did the Dockerfile’s image gain or lose since?',
      matchOnDescription: true,
    });
    if (pick) await run(ctx, docs, uri, pick.ref);
  };
}
