// The layer explorer's TreeDataProvider: thin — the model does the work, this turns it into vscode tree items, follows
// the active Dockerfile, and keeps the tree and the editor pointing at the same layer both ways.
import * as vscode from 'vscode';
import { LayerAtLineRequest, LayersRequest, RegistryLayersRequest, type LayerNode } from '../../../server/src/protocol';
import type { Ctx } from '../ctx';
import { itemOf, LayerTreeModel } from './model';

export const LAYERS_VIEW = 'dfsize.layers';

export class LayerTreeProvider implements vscode.TreeDataProvider<LayerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LayerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly model: LayerTreeModel;
  readonly view: vscode.TreeView<LayerNode>;
  /** The Dockerfile the tree shows. */
  uri: vscode.Uri | undefined;
  /** The registry image the tree shows instead ("Analyse Registry Image…"), until a Dockerfile is looked at again. */
  registryRef: string | undefined;
  private readonly subscriptions: { dispose(): unknown }[] = [];
  private followTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Ctx,
    commands: { reveal: string; more: string },
  ) {
    this.model = new LayerTreeModel(async (parent, offset) => {
      const client = ctx.client;
      if (client && this.registryRef !== undefined)
        return client.sendRequest(RegistryLayersRequest.type, { ref: this.registryRef, parent, offset });
      if (!client || !this.uri)
        return {
          state: 'no-document',
          message: 'Open a Dockerfile to see its layers.',
          imageId: null,
          nodes: [],
          total: 0,
        };
      return client.sendRequest(LayersRequest.type, { uri: this.uri.toString(), parent, offset });
    });
    this.commands = commands;
    this.view = vscode.window.createTreeView(LAYERS_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.uri = ctx.lastDockerfile;
    this.subscriptions.push(
      this.view,
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((e) => {
        const other = e?.document.uri.toString() !== this.uri?.toString();
        if (e?.document.languageId === 'dockerfile' && (other || this.registryRef !== undefined)) {
          this.uri = e.document.uri;
          this.registryRef = undefined;
          this.refresh();
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.follow(e)),
    );
  }

  private readonly commands: { reveal: string; more: string };

  refresh(): void {
    this.model.clear();
    void vscode.commands.executeCommand('setContext', 'dfsize.layers.state', 'loading');
    this.changed.fire(undefined);
  }

  /** Shows the registry image the server analysed under `ref`. */
  showRegistry(ref: string): void {
    this.registryRef = ref;
    this.refresh();
  }

  /** The server says what this tree shows changed (image, analysis). */
  changedFor(uri: string): void {
    if (this.registryRef === undefined && uri === this.uri?.toString()) this.refresh();
  }

  getTreeItem(node: LayerNode): vscode.TreeItem {
    const d = itemOf(node);
    const item = new vscode.TreeItem(
      d.label,
      d.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : d.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `${this.registryRef !== undefined ? `registry:${this.registryRef}` : (this.uri?.toString() ?? '')}#${d.id}`;
    item.description = d.description;
    item.tooltip = new vscode.MarkdownString(d.tooltip);
    item.iconPath = new vscode.ThemeIcon(d.icon.id, d.icon.color ? new vscode.ThemeColor(d.icon.color) : undefined);
    item.contextValue = d.contextValue;
    if (d.reveal && this.uri && this.registryRef === undefined)
      item.command = { command: this.commands.reveal, title: 'Reveal in Editor', arguments: [this.uri, d.reveal] };
    if (node.kind === 'more') item.command = { command: this.commands.more, title: 'Show more', arguments: [node] };
    return item;
  }

  async getChildren(node?: LayerNode): Promise<LayerNode[]> {
    const children = await this.model.childrenOf(node ?? null);
    if (!node) {
      // An empty tree says nothing: the welcome view for this state says what is going on and what to do.
      await vscode.commands.executeCommand('setContext', 'dfsize.layers.state', this.model.state);
      this.view.message = this.model.state === 'ok' ? undefined : this.model.message;
    }
    return children;
  }

  getParent(node: LayerNode): LayerNode | null {
    return this.model.parentOf(node);
  }

  async more(node: LayerNode): Promise<void> {
    await this.model.expandMore(node);
    this.changed.fire(this.model.parentOf(node) ?? undefined);
  }

  /** Moving the cursor onto an instruction reveals its layer (setting dockerfileSize.explorer.followCursor). */
  private follow(e: vscode.TextEditorSelectionChangeEvent): void {
    if (!this.ctx.config.followCursor || !this.view.visible || e.textEditor.document.languageId !== 'dockerfile')
      return;
    if (this.registryRef !== undefined || e.textEditor.document.uri.toString() !== this.uri?.toString()) return;
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => void this.revealLine(e.selections[0]!.active.line), 150);
  }

  async revealLine(line: number): Promise<LayerNode | undefined> {
    const client = this.ctx.client;
    if (!client || !this.uri || this.registryRef !== undefined) return undefined;
    const path = await client.sendRequest(LayerAtLineRequest.type, { uri: this.uri.toString(), line });
    const target = path.at(-1);
    if (!target) return undefined;
    // Children must be known for reveal to find the node: load each level of the path.
    for (const n of [null, ...path.slice(0, -1)]) await this.model.childrenOf(n);
    this.model.rememberPath(path);
    await this.view.reveal(this.model.node(target.id) ?? target, { select: true, focus: false, expand: false });
    return target;
  }

  dispose(): void {
    clearTimeout(this.followTimer);
    for (const d of this.subscriptions) d.dispose();
  }
}
