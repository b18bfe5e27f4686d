// "Dockerfile Size: Analyse Registry Image…" (and a FROM line's "Analyse this base image" link): asks for a reference,
// has the server fetch and analyse it (with a cancellable progress), then shows it in the layer explorer. The server
// does the fetching and decides what Restricted Mode allows; the client only asks and shows the one-line answer.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import { AnalyseRegistryRequest, CheckReferenceRequest, type RegistryAnalysisResult } from '../../server/src/protocol';
import type { Ctx } from './ctx';
import { LAYERS_VIEW } from './layerTree/provider';

const MANAGE_TRUST = 'Manage Workspace Trust';

/** The `{ ref, uri }` a hover link passes, when it is one. */
function linkArgument(arg: unknown): { ref: string; uri?: string } | null {
  const a = arg as { ref?: unknown; uri?: unknown } | null | undefined;
  if (typeof a?.ref !== 'string') return null;
  return typeof a.uri === 'string' ? { ref: a.ref, uri: a.uri } : { ref: a.ref };
}

async function report(r: RegistryAnalysisResult): Promise<void> {
  if (r.ok) {
    // A Restricted Mode answer says it was not fetched; a fetch says nothing more than the tree shows.
    if (r.cached && !vscode.workspace.isTrusted) void vscode.window.showInformationMessage(r.message);
    return;
  }
  if (vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(r.message);
    return;
  }
  const pick = await vscode.window.showWarningMessage(r.message, MANAGE_TRUST);
  if (pick === MANAGE_TRUST) await vscode.commands.executeCommand('workbench.trust.manage');
}

export function analyseRegistryImage(ctx: Ctx): (arg?: unknown) => Promise<void> {
  return async (arg) => {
    const link = linkArgument(arg);
    const client = ctx.client;
    if (!client) return;
    // The server reads references with the registry code `dfsize analyze` uses: it says what is wrong with one.
    const check = async (text: string) =>
      (await client.sendRequest(CheckReferenceRequest.type, { ref: text })).problem ?? undefined;
    const ref =
      link?.ref ??
      (await vscode.window.showInputBox({
        title: 'Analyse Registry Image',
        prompt: 'An image in a registry: your docker config’s credentials apply',
        placeHolder: 'REGISTRY/REPOSITORY[:TAG|@DIGEST], e.g. ghcr.io/org/app:1.2 or debian:12',
        ignoreFocusOut: true,
        validateInput: check,
      }));
    if (!ref) return;
    const asked = { ref: ref.trim(), ...(link?.uri ? { uri: link.uri } : {}) };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Analysing ${asked.ref}`, cancellable: true },
      async (progress, token) => {
        // The server reports the bytes it read on this token.
        const workDoneToken = `dfsize-registry-${randomUUID()}`;
        const listening = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind === 'report') progress.report({ message: v.message });
        });
        try {
          return await client.sendRequest(AnalyseRegistryRequest.type, { ...asked, workDoneToken }, token);
        } catch (e) {
          if (token.isCancellationRequested) return null;
          throw e;
        } finally {
          listening.dispose();
        }
      },
    );
    if (!result) return;
    if (result.ok) {
      ctx.layers?.showRegistry(result.ref);
      await vscode.commands.executeCommand(`${LAYERS_VIEW}.focus`);
    }
    await report(result);
  };
}
