// The VS Code side: starts the language server (the same bundle `dfsize-langserver` runs) and adds what only an
// editor has — commands, the status bar, the layer explorer. Everything that knows about images lives in the server.
import * as vscode from 'vscode';
import { analyseImage, copyLayerPath, revealLines, selectImage, showLayerFiles } from './commands';
import { compareImages, CompareDocuments, compareWithPrevious, COMPARE_SCHEME } from './compareView';
import { Ctx } from './ctx';
import { LayerTreeProvider } from './layerTree/provider';
import { analyseRegistryImage } from './registryImage';
import type { LayerNode } from '../../server/src/protocol';

const COMMANDS = {
  selectImage: 'dockerfileSize.selectImage',
  analyse: 'dockerfileSize.analyseImage',
  // The command a FROM line's hover link runs (core/baseImageAction ANALYSE_REGISTRY_COMMAND).
  analyseRegistry: 'dockerfileSize.analyseRegistryImage',
  revealLines: 'dockerfileSize.revealLines',
  layersRefresh: 'dockerfileSize.layers.refresh',
  layersMore: 'dockerfileSize.layers.more',
  copyPath: 'dockerfileSize.layers.copyPath',
  showFiles: 'dockerfileSize.layers.showFiles',
  revealInEditor: 'dockerfileSize.layers.revealInEditor',
  build: 'dockerfileSize.buildImage',
  buildWithOptions: 'dockerfileSize.buildImageWithOptions',
  compareWithPrevious: 'dockerfileSize.compareWithPrevious',
  compareImages: 'dockerfileSize.compareImages',
} as const;

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const c = (ctx = new Ctx(context, COMMANDS.selectImage));
  const layers = (c.layers = new LayerTreeProvider(c, { reveal: COMMANDS.revealLines, more: COMMANDS.layersMore }));
  const reveal = revealLines();
  const compared = new CompareDocuments();
  context.subscriptions.push(
    layers,
    compared,
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, compared),
    vscode.commands.registerCommand(COMMANDS.compareWithPrevious, compareWithPrevious(c, compared)),
    vscode.commands.registerCommand(COMMANDS.compareImages, compareImages(c, compared)),
    vscode.commands.registerCommand(COMMANDS.selectImage, selectImage(c)),
    vscode.commands.registerCommand(COMMANDS.analyse, analyseImage(c)),
    vscode.commands.registerCommand(COMMANDS.analyseRegistry, analyseRegistryImage(c)),
    vscode.commands.registerCommand(COMMANDS.revealLines, reveal),
    vscode.commands.registerCommand(
      COMMANDS.revealInEditor,
      (node: { range?: { startLine: number; endLine: number } }) =>
        node.range && layers.uri && reveal(layers.uri, node.range),
    ),
    vscode.commands.registerCommand(COMMANDS.layersRefresh, () => layers.refresh()),
    vscode.commands.registerCommand(COMMANDS.layersMore, (node: LayerNode) => layers.more(node)),
    vscode.commands.registerCommand(COMMANDS.copyPath, copyLayerPath()),
    vscode.commands.registerCommand(COMMANDS.showFiles, showLayerFiles(c)),
    vscode.commands.registerCommand(COMMANDS.build, c.builds.command(false)),
    vscode.commands.registerCommand(COMMANDS.buildWithOptions, c.builds.command(true)),
    // A workspace granted trust later gets a server that knows it.
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      await c.stop();
      await c.start();
    }),
  );
  await c.start();
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
  ctx = undefined;
}
