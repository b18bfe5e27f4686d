// Runs inside the desktop VS Code's extension host (see runTest.ts): the workspace's Dockerfile (built beforehand,
// as test/e2e does) gets its sizes as inlay hints and its size findings as quick fixes.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

/** Asks again each time the server publishes diagnostics (it does when the document's image or analysis changes). */
async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 120000): Promise<T> {
  let expire!: () => void;
  const deadline = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    expire = () => clearTimeout(t);
  });
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => {
        const d = vscode.languages.onDidChangeDiagnostics(() => {
          d.dispose();
          resolve();
        });
      });
      const v = await get();
      if (v !== undefined) return v;
      await Promise.race([changed, deadline]);
    }
  } finally {
    expire();
  }
}

export async function run(): Promise<void> {
  const [folder] = vscode.workspace.workspaceFolders ?? [];
  assert.ok(folder, 'a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, 'Dockerfile');
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const range = new vscode.Range(0, 0, doc.lineCount, 0);
  const text = (h: vscode.InlayHint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
  const hints = await until('inlay hints', async () => {
    const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, range);
    return h.some((x) => /MB|kB/.test(text(x))) ? h : undefined;
  });
  assert.ok(
    hints.some((h) => /^base /.test(text(h))),
    'the base total on FROM',
  );
  const rm = doc
    .getText()
    .split('\n')
    .findIndex((l) => l.startsWith('RUN rm -f'));
  const actions = await until('quick fixes', async () => {
    const a = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(rm, 0, rm, 0),
      vscode.CodeActionKind.QuickFix.value,
    );
    return a.length ? a : undefined;
  });
  assert.ok(actions.some((a) => /where the files are created|Join with the RUN/.test(a.title)));
}
