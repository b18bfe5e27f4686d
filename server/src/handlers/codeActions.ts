// Quick fixes for size findings (literal CodeActions carrying their WorkspaceEdit, `isPreferred` where one fix is
// clearly right) and "Fix all size issues" as `source.fixAll.dfsize` — one fix at a time, re-parsing between, so it
// also works from `editor.codeActionsOnSave`.
import {
  CodeActionKind,
  CodeActionRequest,
  type CodeAction,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { FileChange, Finding, Fix } from '../core/rules/index';
import { checkWritable, UnsafeWriteError } from '../files/safeWrite';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { toDiagnostic } from './diagnostics';
import { Params, stopIfCancelled } from './params';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.dfsize`;

function overlaps(a: Range, b: Range): boolean {
  return !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );
}

/** The edit of a fix: the Dockerfile's text edits, and files beside it (`.dockerignore`) created or changed. */
export function workspaceEdit(uri: string, version: number, fix: Pick<Fix, 'edits' | 'files'>): WorkspaceEdit {
  const files: readonly FileChange[] = fix.files ?? [];
  const file = fsPathOf(uri);
  // An unsaved document has no folder: edits of files beside it have nowhere to go.
  if (!files.length || !file) return { changes: { [uri]: [...fix.edits] } };
  const changes: NonNullable<WorkspaceEdit['documentChanges']> = [];
  if (fix.edits.length) changes.push({ textDocument: { uri, version }, edits: [...fix.edits] });
  for (const f of files) {
    const target = pathToFileURL(join(dirname(file), f.path)).href;
    if (f.create) changes.push({ kind: 'create', uri: target, options: { ignoreIfExists: true } });
    changes.push({ textDocument: { uri: target, version: null }, edits: [...f.edits] });
  }
  return { documentChanges: changes };
}

/**
 * The whole text replaced, and each other file (`.dockerignore`) given its new content: created when it was absent,
 * else its old content (as the rules read it, and as it still is on disk — checked just before) replaced.
 */
function fixAllEdit(
  uri: string,
  version: number,
  whole: Range,
  text: string,
  files: ReadonlyArray<{ path: string; content: string }>,
  before: string | null,
): WorkspaceEdit {
  const file = fsPathOf(uri);
  if (!files.length || !file) return { changes: { [uri]: [{ range: whole, newText: text }] } };
  const origin = { line: 0, character: 0 };
  const lines = (before ?? '').split(/\r\n|\n|\r/);
  const end = { line: lines.length - 1, character: lines.at(-1)!.length };
  return {
    documentChanges: [
      { textDocument: { uri, version }, edits: [{ range: whole, newText: text }] },
      ...files.flatMap((f) => {
        const target = pathToFileURL(join(dirname(file), f.path)).href;
        const edit = {
          textDocument: { uri: target, version: null },
          edits: [{ range: { start: origin, end: before === null ? origin : end }, newText: f.content }],
        };
        return before === null
          ? [{ kind: 'create' as const, uri: target, options: { ignoreIfExists: true } }, edit]
          : [edit];
      }),
    ],
  };
}

/**
 * The paths (relative to the Dockerfile's folder) among `paths` that no edit may touch: a link there (the editor would
 * write through it, into its target), something that is not a file, or what cannot be examined. Each is logged.
 */
async function refusedTargets(session: Session, uri: string, paths: ReadonlySet<string>): Promise<ReadonlySet<string>> {
  const file = fsPathOf(uri);
  const refused = new Set<string>();
  if (!file) return refused;
  for (const p of paths) {
    try {
      await checkWritable(join(dirname(file), p));
    } catch (e) {
      // A link or a non-file says what to do; a target that cannot even be examined is not written either.
      refused.add(p);
      session.connection.console.warn(
        `fix not offered: ${e instanceof UnsafeWriteError ? e.message : `${p}: ${(e as Error).message}`}`,
      );
    }
  }
  return refused;
}

function quickFixes(uri: string, version: number, f: Finding, refused: ReadonlySet<string>): CodeAction[] {
  const diagnostic = toDiagnostic(f);
  return f.fixes
    .filter((fix) => !fix.files?.some((c) => refused.has(c.path)))
    .map((fix) => ({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: fix.preferred,
      edit: workspaceEdit(uri, version, fix),
    }));
}

export function registerCodeActions(session: Session): void {
  // Registered by its type, not onCodeAction: that wrapper reads the params before they are checked.
  session.connection.onRequest(CodeActionRequest.type, async (raw, token) => {
    const p = new Params(CodeActionRequest.method, raw);
    const [uri, range, context] = [p.documentUri(), p.range(), p.object('context')];
    const only = p.strings(context.only, 'context.only');
    const doc = session.documents.get(uri);
    const r = await session.findings.get(uri);
    stopIfCancelled(token, CodeActionRequest.method);
    if (!doc || !r || r.version !== doc.version) return [];
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      const here = r.findings.filter((f) => overlaps(f.range, range));
      const refused = await refusedTargets(
        session,
        uri,
        new Set(here.flatMap((f) => f.fixes.flatMap((x) => (x.files ?? []).map((c) => c.path)))),
      );
      for (const f of here) actions.push(...quickFixes(uri, doc.version, f, refused));
    }
    // Fix-all re-parses between fixes: worth it only when asked for by kind (the source action menu, fix-all on save),
    // not for the light bulb the editor requests on every cursor move.
    const askedForFixAll = only?.some((o) => FIX_ALL_KIND === o || FIX_ALL_KIND.startsWith(`${o}.`)) ?? false;
    if (askedForFixAll && r.findings.some((f) => f.fixes.some((x) => x.preferred))) {
      const all = await session.findings.fixAll(uri);
      if (!all) return actions;
      const refused = await refusedTargets(session, uri, new Set(all.files.map((f) => f.path)));
      const files = all.files.filter((f) => !refused.has(f.path));
      if ((all.text !== doc.getText() || files.length) && all.version === doc.version) {
        const end = doc.positionAt(doc.getText().length);
        actions.push({
          title: `Fix all size issues (${all.applied.length})`,
          kind: FIX_ALL_KIND,
          edit: fixAllEdit(
            uri,
            doc.version,
            { start: { line: 0, character: 0 }, end },
            all.text,
            files,
            all.dockerignoreBefore,
          ),
        });
      }
    }
    return actions;
  });
}
