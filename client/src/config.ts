// The client's own settings, resolved once into a typed object (the server reads the rest itself, per document).
import * as vscode from 'vscode';

export interface ClientConfig {
  /** Show the status bar item for Dockerfiles. */
  readonly statusBar: boolean;
  /** Moving the cursor onto an instruction reveals its layer in the explorer. */
  readonly followCursor: boolean;
}

export function readConfiguration(): ClientConfig {
  const c = vscode.workspace.getConfiguration('dockerfileSize');
  return {
    statusBar: c.get<boolean>('statusBar.enabled', true),
    followCursor: c.get<boolean>('explorer.followCursor', true),
  };
}
