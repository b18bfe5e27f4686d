// Quick fixes for size findings (literal CodeActions carrying their WorkspaceEdit, `isPreferred` where one fix is
// clearly right) and "Fix all size issues" as `source.fixAll.dfsize` — one fix at a time, re-parsing between, so it
// also works from `editor.codeActionsOnSave`.
import { CodeActionKind, type CodeAction, type Range, type WorkspaceEdit } from 'vscode-languageserver/node';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fixAll, type FileChange, type Finding, type Fix } from '../core/rules/index';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { toDiagnostic } from './diagnostics';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.dfsize`;

function overlaps(a: Range, b: Range): boolean {
  return !(a.end.line < b.start.line || (a.end.line === b.start.line && a.end.character < b.start.character)
    || b.end.line < a.start.line || (b.end.line === a.start.line && b.end.character < a.start.character));
}

/** The edit of a fix: the Dockerfile's text edits, and files beside it (`.dockerignore`) created or changed. */
export function workspaceEdit(uri: string, version: number, fix: Pick<Fix, 'edits' | 'files'>): WorkspaceEdit {
  const files: readonly FileChange[] = fix.files ?? [];
  if (!files.length) return { changes: { [uri]: [...fix.edits] } };
  const file = fsPathOf(uri);
  const changes: NonNullable<WorkspaceEdit['documentChanges']> = [];
  if (fix.edits.length) changes.push({ textDocument: { uri, version }, edits: [...fix.edits] });
  for (const f of files) {
    const target = pathToFileURL(join(file ? dirname(file) : '/', f.path)).href;
    if (f.create) changes.push({ kind: 'create', uri: target, options: { ignoreIfExists: true } });
    changes.push({ textDocument: { uri: target, version: null }, edits: [...f.edits] });
  }
  return { documentChanges: changes };
}

/** The whole text replaced, and each other file (`.dockerignore`) written with its new content. */
function fixAllEdit(uri: string, version: number, whole: Range, text: string, files: ReadonlyArray<{ path: string; content: string }>): WorkspaceEdit {
  if (!files.length) return { changes: { [uri]: [{ range: whole, newText: text }] } };
  const dir = dirname(fsPathOf(uri) ?? '/');
  const origin = { line: 0, character: 0 };
  return {
    documentChanges: [
      { textDocument: { uri, version }, edits: [{ range: whole, newText: text }] },
      ...files.flatMap((f) => {
        const target = pathToFileURL(join(dir, f.path)).href;
        return [{ kind: 'create' as const, uri: target, options: { overwrite: true } }, { textDocument: { uri: target, version: null }, edits: [{ range: { start: origin, end: origin }, newText: f.content }] }];
      }),
    ],
  };
}

function quickFixes(uri: string, version: number, f: Finding): CodeAction[] {
  const diagnostic = toDiagnostic(f);
  return f.fixes.map((fix) => ({
    title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred, edit: workspaceEdit(uri, version, fix),
  }));
}

export function registerCodeActions(session: Session): void {
  session.connection.onCodeAction(async (params) => {
    const uri = params.textDocument.uri;
    const doc = session.documents.get(uri);
    const r = await session.findings.get(uri);
    if (!doc || !r || r.version !== doc.version) return [];
    const only = params.context.only;
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      for (const f of r.findings) if (overlaps(f.range, params.range)) actions.push(...quickFixes(uri, doc.version, f));
    }
    if (wants(FIX_ALL_KIND) && r.findings.some((f) => f.fixes.some((x) => x.preferred))) {
      const all = fixAll(doc.getText(), r.makeContext, { disabled: r.disabled });
      if (all.applied.length) {
        const end = doc.positionAt(doc.getText().length);
        actions.push({
          title: `Fix all size issues (${all.applied.length})`, kind: FIX_ALL_KIND,
          edit: fixAllEdit(uri, doc.version, { start: { line: 0, character: 0 }, end }, all.text, all.files),
        });
      }
    }
    return actions;
  });
}
