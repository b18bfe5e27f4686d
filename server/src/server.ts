// The language server: `dfsize-langserver --stdio` for any editor, node IPC when VS Code starts it.
// This file only wires: the connection, the open documents, the session state and each feature's handler.
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { registerBuild } from './handlers/build';
import { FIX_ALL_KIND, registerCodeActions } from './handlers/codeActions';
import { registerCompare } from './handlers/compare';
import { registerDiagnostics } from './handlers/diagnostics';
import { registerHover } from './handlers/hover';
import { registerImages } from './handlers/images';
import { registerInlayHints } from './handlers/inlayHints';
import { registerLayers } from './handlers/layers';
import { registerRegistry } from './handlers/registry';
import { registerStatus } from './handlers/status';
import type { InitializationOptions } from './protocol';
import { fsPathOf } from './state/documentImages';
import { Session } from './state/session';
import { VERSION } from './version';

export const SERVER_NAME = 'dfsize-langserver';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let session: Session | undefined;
  // A safety net: a failure nobody awaited is logged, never the end of the server.
  process.on('unhandledRejection', (e) =>
    connection.console.error(`dfsize: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );

  connection.onInitialize((params): InitializeResult => {
    const opts = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    const folders = (params.workspaceFolders ?? [])
      .map((f) => f.uri)
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- editors without workspace folders still send only this
      .concat(params.rootUri ? [params.rootUri] : [])
      .flatMap((u) => fsPathOf(u) ?? []);
    session = new Session(connection, documents, {
      trusted: opts.workspaceTrusted === true,
      canAskConfiguration: params.capabilities.workspace?.configuration === true,
      initialSettings: opts.settings,
      selections: opts.selections ?? {},
      folders: [...new Set(folders)],
      env: process.env,
      storageDir: typeof opts.storageDir === 'string' ? opts.storageDir : null,
      canReportProgress: params.capabilities.window?.workDoneProgress === true,
    });
    registerInlayHints(session);
    registerHover(session);
    registerImages(session);
    registerLayers(session);
    registerRegistry(session);
    registerBuild(session);
    registerCompare(session);
    registerDiagnostics(session);
    registerCodeActions(session);
    registerStatus(session, params.capabilities.workspace?.inlayHint?.refreshSupport === true);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: true },
        inlayHintProvider: true,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
      },
      serverInfo: { name: SERVER_NAME, version: VERSION },
    };
  });

  connection.onDidChangeConfiguration((p) =>
    session?.settingsChanged((p.settings as { dockerfileSize?: unknown } | null)?.dockerfileSize),
  );
  documents.onDidOpen((e) => void session?.images.refresh(e.document.uri));
  documents.onDidClose((e) => session?.closed(e.document.uri));
  connection.onShutdown(() => session?.dispose());

  documents.listen(connection);
  connection.listen();
}

if (require.main === module) {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: ${SERVER_NAME} --stdio | --node-ipc | --socket=PORT\n`);
  } else {
    // Deprecation notices of the bundled libraries are not the user's to act on (and stdio is the protocol's).
    process.noDeprecation = true;
    startServer(createConnection(ProposedFeatures.all));
  }
}
