// Build Image: the options a user needs, remembered per file (asked the first time), then the server builds through
// the engine while a cancellable notification shows step N/M and the output channel keeps the whole log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  BuildErrorCode,
  BuildImageRequest,
  BuildLogNotification,
  BuildProgressNotification,
  CancelBuildNotification,
  type BuildOptions,
} from '../../server/src/protocol';
import { dockerfileUri } from './commands';
import type { Ctx } from './ctx';

const KEY = 'dfsize.buildOptions';
const UNTRUSTED_MESSAGE =
  "Building runs the Dockerfile's commands, so it is off in Restricted Mode. Trust this folder to build; sizes of images already built still show.";

/** `app/Dockerfile.prod` → `app-prod:latest`: a tag from the folder and the file name. */
export function defaultTag(file: string): string {
  const folder =
    path
      .basename(path.dirname(file))
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'image';
  const suffix =
    /^(?:dockerfile|containerfile)[.-](.+)$/i.exec(path.basename(file))?.[1] ??
    /^(.+)\.(?:dockerfile|containerfile)$/i.exec(path.basename(file))?.[1];
  return `${folder}${suffix ? `-${suffix.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}` : ''}:latest`;
}

/** `A=1 B="two words"` → { A: '1', B: 'two words' }; null when a pair is malformed. */
export function parseBuildArgs(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/\s*([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) out[m[1]!] = m[3] ?? m[2]!;
  const rest = text.replace(/\s*([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g, '').trim();
  return rest ? null : out;
}

/** Stage names and indexes of a Dockerfile, for the target prompt (the server has the real model; this is a hint). */
function stagesOf(text: string): string[] {
  return [...text.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?/gim)].map((m, i) => m[1] ?? String(i));
}

export class Builds implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Dockerfile Size: Build');
  private readonly listeners = new Map<
    string,
    { progress(step: number, total: number, name: string, stage: string | null): void }
  >();
  private next = 1;

  constructor(private readonly ctx: Ctx) {}

  /** Called once per language client: routes the server's build notifications to the build they belong to. */
  attach(): vscode.Disposable[] {
    const client = this.ctx.client!;
    return [
      client.onNotification(BuildLogNotification.type, ({ line }) => this.output.appendLine(line)),
      client.onNotification(BuildProgressNotification.type, ({ buildId, step, total, name, stage }) =>
        this.listeners.get(buildId)?.progress(step, total, name, stage),
      ),
    ];
  }

  private options(uri: vscode.Uri): BuildOptions | undefined {
    return this.ctx.extension.workspaceState.get<Record<string, BuildOptions>>(KEY, {})[uri.toString()];
  }

  private async remember(uri: vscode.Uri, o: BuildOptions): Promise<void> {
    const all = {
      ...this.ctx.extension.workspaceState.get<Record<string, BuildOptions>>(KEY, {}),
      [uri.toString()]: o,
    };
    await this.ctx.extension.workspaceState.update(KEY, all);
  }

  /** Asks for the options, starting from the remembered ones; undefined when the user backs out. */
  private async ask(doc: vscode.TextDocument, previous: BuildOptions | undefined): Promise<BuildOptions | undefined> {
    const file = doc.uri.fsPath;
    const cfg = vscode.workspace.getConfiguration('dockerfileSize', doc.uri);
    const tag = await vscode.window.showInputBox({
      title: 'Build Image (1/3): tag',
      value: previous?.tag ?? defaultTag(file),
      prompt: 'name:tag for the image',
      validateInput: (v) => (/^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]*)?$/.test(v) ? null : 'lower-case name[:tag]'),
    });
    if (tag === undefined) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
    const contexts = [
      { label: path.dirname(file), description: "the Dockerfile's folder" },
      ...(folder && folder !== path.dirname(file) ? [{ label: folder, description: 'the workspace folder' }] : []),
    ];
    const context =
      contexts.length > 1 && !previous
        ? (await vscode.window.showQuickPick(contexts, { title: 'Build Image (2/3): build context' }))?.label
        : (previous?.contextDir ?? contexts[0]!.label);
    if (!context) return undefined;
    const stages = stagesOf(doc.getText());
    let target: string | null = previous?.target ?? null;
    if (stages.length > 1) {
      const pick = await vscode.window.showQuickPick(
        [{ label: '(the last stage)', stage: null as string | null }, ...stages.map((s) => ({ label: s, stage: s }))],
        { title: 'Build Image (3/3): target stage' },
      );
      if (!pick) return undefined;
      target = pick.stage;
    }
    const argsText = await vscode.window.showInputBox({
      title: 'Build arguments (optional)',
      value: Object.entries(previous?.buildArgs ?? {})
        .map(([k, v]) => `${k}=${/\s/.test(v) ? `"${v}"` : v}`)
        .join(' '),
      prompt: 'KEY=VALUE pairs separated by spaces',
      validateInput: (v) => (parseBuildArgs(v) ? null : 'KEY=VALUE pairs'),
    });
    if (argsText === undefined) return undefined;
    return {
      contextDir: context,
      tag,
      buildArgs: parseBuildArgs(argsText) ?? {},
      target,
      platform: cfg.get<string>('build.platform') || null,
      builder: cfg.get<'auto' | 'buildkit' | 'legacy'>('build.builder', 'auto'),
    };
  }

  command(prompt: boolean): (arg?: unknown) => Promise<void> {
    return async (arg) => {
      if (!vscode.workspace.isTrusted) {
        const choice = await vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
        if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      }
      const uri = dockerfileUri(this.ctx, arg);
      const client = this.ctx.client;
      if (!uri || !client) {
        void vscode.window.showInformationMessage('Open a Dockerfile to build it.');
        return;
      }
      const doc = await vscode.workspace.openTextDocument(uri);
      if (doc.isUntitled) {
        void vscode.window.showInformationMessage('Save the Dockerfile first: builds use the file on disk.');
        return;
      }
      if (doc.isDirty) await doc.save();
      const remembered = this.options(uri);
      const asked = prompt || !remembered ? await this.ask(doc, remembered) : remembered;
      if (!asked) return;
      await this.remember(uri, asked);
      const options: BuildOptions = {
        ...asked,
        allStages: vscode.workspace.getConfiguration('dockerfileSize', uri).get<boolean>('build.allStages', false),
      };
      const buildId = `b${this.next++}`;
      this.output.appendLine(
        `\n── ${new Date().toLocaleTimeString()} ${vscode.workspace.asRelativePath(uri)} → ${options.tag}`,
      );
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Building ${options.tag}`, cancellable: true },
          async (progress, token) => {
            token.onCancellationRequested(
              () => void client.sendNotification(CancelBuildNotification.type, { buildId }),
            );
            let last = 0;
            this.listeners.set(buildId, {
              progress: (step, total, name, stage) => {
                const pct = Math.floor((100 * step) / Math.max(total, 1));
                progress.report({
                  message: `step ${step}/${total}${stage ? ` (${stage})` : ''}: ${name}`,
                  increment: Math.max(0, pct - last),
                });
                last = Math.max(last, pct);
              },
            });
            return client.sendRequest(BuildImageRequest.type, { uri: uri.toString(), buildId, options });
          },
        );
        vscode.window.setStatusBarMessage(
          `$(check) Built ${result.tag} with ${result.builder === 'buildkit' ? 'BuildKit' : 'the legacy builder'}`,
          8000,
        );
      } catch (e) {
        // What to offer depends on why: trust for Restricted Mode, nothing for a refusal, the log for a failed build.
        const code = (e as { code?: unknown }).code;
        if (code === BuildErrorCode.untrusted) {
          if (await vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust'))
            await vscode.commands.executeCommand('workbench.trust.manage');
        } else if (code === BuildErrorCode.unsaved || code === BuildErrorCode.alreadyRunning) {
          void vscode.window.showInformationMessage(`Build Image: ${(e as Error).message}`);
        } else if (await vscode.window.showErrorMessage(`Build Image: ${(e as Error).message}`, 'Show Log')) {
          this.output.show(true);
        }
      } finally {
        this.listeners.delete(buildId);
      }
    };
  }

  dispose(): void {
    this.output.dispose();
  }
}
