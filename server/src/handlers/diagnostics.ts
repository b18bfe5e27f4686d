// Size findings as diagnostics, pushed when a document opens or changes (debounced while typing), when its image or
// the image's analysis changes, and when settings change. Codes are the rules' stable strings, each linking to its page.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { ruleDocUrl, type Finding } from '../core/rules/index';
import { dirname } from 'node:path';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;
const TYPING_DEBOUNCE_MS = 200;

export function toDiagnostic(f: Finding): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: ruleDocUrl(f.code) },
    source: 'dfsize',
    message: f.message,
  };
}

export const TOO_LARGE_CODE = 'document-too-large';

/** The one diagnostic a document too large to analyse gets, on its first character. */
function tooLargeDiagnostic(message: string): Diagnostic {
  const origin = { line: 0, character: 0 };
  return {
    range: { start: origin, end: origin },
    severity: DiagnosticSeverity.Information,
    code: TOO_LARGE_CODE,
    source: 'dfsize',
    message,
  };
}

export function registerDiagnostics(session: Session): void {
  const timers = new Map<string, NodeJS.Timeout>();
  const publish = async (uri: string) => {
    const doc = session.documents.get(uri);
    if (!doc) return;
    const tooLarge = session.tooLarge(doc);
    if (tooLarge) {
      await session.connection.sendDiagnostics({
        uri,
        version: doc.version,
        diagnostics: [tooLargeDiagnostic(tooLarge)],
      });
      return;
    }
    const r = await session.findings.get(uri);
    if (!r || session.documents.get(uri)?.version !== r.version) return; // a newer text is on its way
    await session.connection.sendDiagnostics({ uri, version: r.version, diagnostics: r.findings.map(toDiagnostic) });
  };
  const soon = (uri: string, delay: number) => {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        void publish(uri);
      }, delay),
    );
  };
  session.own({
    dispose: () => {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  });
  session.own(session.documents.onDidOpen((e) => soon(e.document.uri, 0)));
  session.own(session.documents.onDidChangeContent((e) => soon(e.document.uri, TYPING_DEBOUNCE_MS)));
  session.own(
    session.documents.onDidSave((e) => {
      const file = fsPathOf(e.document.uri);
      if (file) session.findings.invalidateContext(dirname(file));
      soon(e.document.uri, 0);
    }),
  );
  // A .dockerignore changed (the client watches them): the build context it describes is read again.
  session.connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const c of changes) {
      const file = fsPathOf(c.uri);
      if (file) session.findings.invalidateContext(dirname(file));
    }
    for (const d of session.documents.all()) soon(d.uri, 0);
  });
  session.own(
    session.documents.onDidClose((e) => {
      clearTimeout(timers.get(e.document.uri));
      timers.delete(e.document.uri);
      void session.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  );
  session.own(
    session.onDocumentChange((uri) => soon(uri, 0)),
    session.onAnalysisChange((uri) => soon(uri, 0)),
  );
  session.own(
    session.onSettingsChange(() => {
      session.findings.invalidateAll();
      for (const d of session.documents.all()) soon(d.uri, 0);
    }),
  );
}
