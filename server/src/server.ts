// The language server: `dfsize-langserver --stdio` for any editor, node IPC when VS Code starts it.
// This file only wires: the connection, the open documents, and each feature's handler (handlers/).
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InitializationOptions } from './protocol';

export const SERVER_NAME = 'dfsize-langserver';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let init: InitializationOptions = { workspaceTrusted: false };

  connection.onInitialize((params): InitializeResult => {
    const opts = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    init = { workspaceTrusted: opts.workspaceTrusted === true };
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
      serverInfo: { name: SERVER_NAME, version: '0.1.0' },
    };
  });
  connection.onInitialized(() => {
    connection.console.info(`${SERVER_NAME} ready (workspace ${init.workspaceTrusted ? 'trusted' : 'untrusted'})`);
  });

  documents.listen(connection);
  connection.listen();
}

if (require.main === module) {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: ${SERVER_NAME} --stdio | --node-ipc | --socket=PORT\n`);
  } else {
    startServer(createConnection(ProposedFeatures.all));
  }
}
