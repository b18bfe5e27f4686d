// Command factories: each takes the context and returns the function VS Code calls.
import * as vscode from 'vscode';
import {
  AnalyseRequest,
  decodeNodeId,
  ListImagesRequest,
  SelectImageRequest,
  type ImageChoice,
  type LayerNode,
} from '../../server/src/protocol';
import { formatBytes } from '../../server/src/core/format';
import type { Ctx } from './ctx';

/** The Dockerfile a command is for: its argument, else the active editor's, else the last one looked at. */
export function dockerfileUri(ctx: Ctx, arg?: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'dockerfile' ? doc.uri : ctx.lastDockerfile;
}

export function selectImage(ctx: Ctx): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    const uri = dockerfileUri(ctx, arg);
    const client = ctx.client;
    if (!uri || !client) {
      void vscode.window.showInformationMessage('Open a Dockerfile first: the image is chosen per Dockerfile.');
      return;
    }
    type Item = vscode.QuickPickItem & { ref: string | null };
    const items = (async (): Promise<Item[]> => {
      const choices = await client.sendRequest(ListImagesRequest.type, { uri: uri.toString() });
      const auto: Item = {
        label: '$(search) Find it automatically',
        description: 'label, compose service, or the best history match',
        ref: null,
      };
      return [
        auto,
        ...choices.map((c: ImageChoice): Item => ({
          label: `${c.current ? '$(check) ' : ''}${c.refs[0] ?? c.id.slice(7, 19)}`,
          description: `${String(Math.round(c.score * 100))}% match · ${formatBytes(c.sizeBytes)}${c.linked ? ' · built for this file' : ''}`,
          detail: `${c.id.slice(7, 19)} · ${new Date(c.created * 1000).toLocaleString()}${c.refs.length > 1 ? ` · also ${c.refs.slice(1).join(', ')}` : ''}`,
          ref: c.refs[0] ?? c.id,
        })),
      ];
    })();
    const pick = await vscode.window.showQuickPick(items, {
      title: `Image for ${vscode.workspace.asRelativePath(uri)}`,
      placeHolder: 'The image whose layers this Dockerfile shows',
      matchOnDescription: true,
    });
    if (!pick) return;
    await ctx.selections.set(uri.toString(), pick.ref);
    const status = await client.sendRequest(SelectImageRequest.type, { uri: uri.toString(), ref: pick.ref });
    ctx.statusBar.update(status);
  };
}

/** Selects lines of a Dockerfile (a layer's instruction) and shows them. */
export function revealLines(): (uri: vscode.Uri, range: { startLine: number; endLine: number }) => Promise<void> {
  return async (uri, range) => {
    const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false, preview: true });
    const end = editor.document.lineAt(Math.min(range.endLine, editor.document.lineCount - 1)).range.end;
    editor.selection = new vscode.Selection(new vscode.Position(range.startLine, 0), end);
    editor.revealRange(
      new vscode.Range(range.startLine, 0, end.line, end.character),
      vscode.TextEditorRevealType.InCenterIfOutsideViewport,
    );
  };
}

/** "Copy Path" on a file or directory of a layer. */
export function copyLayerPath(): (node: LayerNode) => Promise<void> {
  return async (node) => {
    const id = decodeNodeId(node.id);
    if (id?.kind === 'path' || id?.kind === 'largestFile') await vscode.env.clipboard.writeText(id.path);
  };
}

/** "Show Files Added by This Layer": expands the layer in the tree. */
export function showLayerFiles(ctx: Ctx): (node: LayerNode) => Promise<void> {
  return async (node) => {
    await ctx.layers?.view.reveal(node, { expand: 2, select: true, focus: true });
  };
}

/** Analyses the active Dockerfile's image now (images above dockerfileSize.analysis.maxAutoBytes wait for this). */
export function analyseImage(ctx: Ctx): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    const uri = dockerfileUri(ctx, arg);
    if (!uri || !ctx.client) return;
    const r = await ctx.client.sendRequest(AnalyseRequest.type, { uri: uri.toString() });
    if (!r.started) void vscode.window.showInformationMessage(`Layer analysis: ${r.message}`);
  };
}
