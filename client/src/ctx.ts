// The extension's context: what lives as long as the extension (commands, status bar) and what lives as long as
// one language client (its notification handlers), as two groups of disposables.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ANALYSE_REGISTRY_COMMAND,
  LayersChangedNotification,
  StatusNotification,
  type InitializationOptions,
} from '../../server/src/protocol';
import type { LayerTreeProvider } from './layerTree/provider';
import { Builds } from './build';
import { readConfiguration, type ClientConfig } from './config';
import { Selections } from './selections';
import { StatusBar } from './statusBar';

const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'untitled', language: 'dockerfile' },
];

export class Ctx implements vscode.Disposable {
  client: LanguageClient | undefined;
  config: ClientConfig = readConfiguration();
  readonly selections: Selections;
  readonly statusBar: StatusBar;
  /** The layer explorer, once its view exists. */
  layers: LayerTreeProvider | undefined;
  readonly builds: Builds;
  /** The last Dockerfile the user looked at, for commands run while another editor has focus. */
  lastDockerfile: vscode.Uri | undefined;
  private readonly clientSubscriptions: vscode.Disposable[] = [];

  constructor(
    readonly extension: vscode.ExtensionContext,
    selectImageCommand: string,
  ) {
    this.selections = new Selections(extension.workspaceState);
    this.statusBar = new StatusBar(selectImageCommand, this.config.statusBar);
    this.builds = new Builds(this);
    extension.subscriptions.push(
      this.statusBar,
      this.builds,
      this,
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e?.document.languageId === 'dockerfile') this.lastDockerfile = e.document.uri;
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('dockerfileSize')) return;
        this.config = readConfiguration();
        this.statusBar.setEnabled(this.config.statusBar);
      }),
    );
    const active = vscode.window.activeTextEditor?.document;
    if (active?.languageId === 'dockerfile') this.lastDockerfile = active.uri;
  }

  async start(): Promise<void> {
    const module = this.extension.asAbsolutePath(path.join('server', 'out', 'server.js'));
    const serverOptions: ServerOptions = {
      // Source maps ship beside the bundle: a crash's stack then names the TypeScript sources.
      run: { module, transport: TransportKind.ipc, options: { execArgv: ['--enable-source-maps'] } },
      debug: {
        module,
        transport: TransportKind.ipc,
        options: { execArgv: ['--enable-source-maps', '--nolazy', '--inspect=6019'] },
      },
    };
    const initializationOptions: InitializationOptions = {
      workspaceTrusted: vscode.workspace.isTrusted,
      selections: this.selections.all(),
      storageDir: this.extension.globalStorageUri.fsPath,
    };
    const dockerignores = vscode.workspace.createFileSystemWatcher('**/.dockerignore');
    this.clientSubscriptions.push(dockerignores);
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions,
      // Hovers are trusted for one command only: a FROM line's "Analyse this base image" link.
      markdown: { isTrusted: { enabledCommands: [ANALYSE_REGISTRY_COMMAND] }, supportThemeIcons: true },
      // The size rules read each build context's .dockerignore: the server hears when one changes.
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- the server registers no file watchers of its own yet
      synchronize: { configurationSection: 'dockerfileSize', fileEvents: dockerignores },
    };
    this.client = new LanguageClient('dockerfileSize', 'Dockerfile Size Insights', serverOptions, clientOptions);
    this.clientSubscriptions.push(
      this.client.onNotification(StatusNotification.type, (s) => this.statusBar.update(s)),
      this.client.onNotification(LayersChangedNotification.type, ({ uri }) => this.layers?.changedFor(uri)),
      ...this.builds.attach(),
    );
    await this.client.start();
    this.layers?.refresh();
  }

  async stop(): Promise<void> {
    for (const d of this.clientSubscriptions.splice(0)) d.dispose();
    await this.client?.stop();
    this.client = undefined;
  }

  dispose(): void {
    void this.stop();
  }
}
