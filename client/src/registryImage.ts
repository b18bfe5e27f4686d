// "Dockerfile Size: Analyse Registry Image…" (and a FROM line's "Analyse this base image" link): asks for a reference,
// has the server fetch and analyse it (with a cancellable progress), then shows it in the layer explorer. The server
// does the fetching and decides what Restricted Mode allows; the client only asks and shows the one-line answer.
import * as vscode from 'vscode';
import { parseImageRef } from '../../server/src/core/rules/baseImages';
import { AnalyseRegistryRequest, type RegistryAnalysisResult } from '../../server/src/protocol';
import type { Ctx } from './ctx';
import { LAYERS_VIEW } from './layerTree/provider';

const MANAGE_TRUST = 'Manage Workspace Trust';

/** Why `text` cannot be a reference (the parser `dfsize analyze` reads references with), or null when it can. */
export function referenceProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return 'Name an image: REGISTRY/REPOSITORY[:TAG|@DIGEST], e.g. ghcr.io/org/app:1.2 or debian:12';
  return /\s/.test(t) || !parseImageRef(t)
    ? `${t} is not an image reference: name it REGISTRY/REPOSITORY[:TAG|@DIGEST]`
    : null;
}

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
    const ref =
      link?.ref ??
      (await vscode.window.showInputBox({
        title: 'Analyse Registry Image',
        prompt: 'An image in a registry: your docker config’s credentials apply',
        placeHolder: 'REGISTRY/REPOSITORY[:TAG|@DIGEST], e.g. ghcr.io/org/app:1.2 or debian:12',
        ignoreFocusOut: true,
        validateInput: referenceProblem,
      }));
    const client = ctx.client;
    if (!ref || !client) return;
    const asked = { ref: ref.trim(), ...(link?.uri ? { uri: link.uri } : {}) };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Analysing ${asked.ref}`, cancellable: true },
      async (_progress, token) => {
        try {
          return await client.sendRequest(AnalyseRegistryRequest.type, asked, token);
        } catch (e) {
          if (token.isCancellationRequested) return null;
          throw e;
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
