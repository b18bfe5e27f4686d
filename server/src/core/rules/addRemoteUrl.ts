// add-remote-url: `ADD https://…` puts the download in a layer of its own, where it stays even when a later RUN
// unpacks, moves or deletes it (and a later chmod copies it once more). The fix downloads in the RUN that uses
// the file, deleting it there when nothing later needs it — offered only when the image has a download tool.
import { stageChain, type Instruction } from '../dockerfile';
import { expandVars } from '../vars';
import { addedUnder, finding, layerBytes, linesOf, severityOf, type ShellRun, shellRun } from './context';
import { copyInfo, isUrl, type CopyInfo } from './copies';
import { parseImageRef } from './baseImages';
import { appendCommand, deleteInstruction, insert, replace } from './edit';
import { fileOffset, LineIndex } from './text';
import type { Finding, Fix, RuleContext, SizeRule } from './types';
import type { TextEdit } from 'vscode-languageserver-types';

export const CODE = 'add-remote-url';
/** Directories every Linux base has: no `mkdir -p` needed before downloading into them. */
const PRESENT = new Set(['/', '/tmp', '/usr/local/bin', '/usr/bin', '/bin', '/root', '/usr/local/lib', '/opt', '/etc']);
const INSTALLS_TOOL = /\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^;&|]*\b(install|add)\b[^;&|]*\b(curl|wget)\b/;

type Tool = 'curl' | 'wget';

/** A download tool the image shows before the ADD: measured in its layers, installed by an earlier RUN, or in the base. */
function downloadTool(ctx: RuleContext, add: Instruction): Tool | null {
  const layer = ctx.layerOf(add.index);
  if (ctx.contents && layer !== null) {
    for (let l = 0; l < layer; l++) {
      if (ctx.contents.addedUnder(l, '/usr/bin/curl') > 0) return 'curl';
      if (ctx.contents.addedUnder(l, '/usr/bin/wget') > 0) return 'wget';
    }
  }
  const chain = stageChain(ctx.model, add.stage);
  for (const i of ctx.model.instructions) {
    if (i.index >= add.index || !chain.includes(i.stage) || i.keyword !== 'RUN') continue;
    const m = INSTALLS_TOOL.exec(i.args);
    if (m) return m[3] as Tool;
  }
  const root = ctx.model.stages[chain[0]!];
  const r = root?.base.kind === 'image' ? parseImageRef(root.base.ref) : null;
  if (!r || r.registry !== null || r.repo.includes('/')) return null;
  const tag = r.tag ?? 'latest';
  if (r.repo === 'alpine' || /alpine/.test(tag)) return 'wget'; // busybox wget, with TLS through ssl_client
  // buildpack-deps (curl and wget) under the full language images; curl in the Temurin images and Maven's on top.
  if (/^(node|python|ruby|golang|rust|buildpack-deps|eclipse-temurin|maven)$/.test(r.repo) && !/slim/.test(tag))
    return 'curl';
  return null;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);

function downloadCommand(tool: Tool, url: string, file: string, copy: CopyInfo): string {
  const dir = file.slice(0, file.lastIndexOf('/')) || '/';
  const get = tool === 'curl' ? `curl -fsSL -o ${quote(file)} "${url}"` : `wget -q -O ${quote(file)} "${url}"`;
  const parts = [...(PRESENT.has(dir) ? [] : [`mkdir -p ${quote(dir)}`]), get];
  if (copy.chown) parts.push(`chown ${copy.chown} ${quote(file)}`);
  if (copy.chmod) parts.push(`chmod ${copy.chmod} ${quote(file)}`);
  return parts.join(' && ');
}

/** The RUN that uses the file next: only instructions that cannot read or replace it in between. */
function user(ctx: RuleContext, add: Instruction, file: string): ShellRun | null {
  const base = file.slice(file.lastIndexOf('/') + 1);
  for (const i of ctx.model.stages[add.stage]!.instructions) {
    if (i.index <= add.index) continue;
    if (i.keyword === 'RUN') {
      const run = shellRun(ctx, i);
      return run && (i.args.includes(file) || i.args.includes(base)) ? run : null;
    }
    if (i.keyword === 'USER' || i.keyword === 'SHELL' || i.keyword === 'ONBUILD') return null;
    const c = copyInfo(ctx.model, i);
    if (c && (c.destAbs === null || c.destAbs === file || file.startsWith(`${c.destAbs}/`))) return null;
  }
  return null;
}

/** Whether any later instruction (of any stage: a COPY --from may fetch it) names the file. */
function mentionedAfter(ctx: RuleContext, after: Instruction, file: string): boolean {
  return ctx.model.instructions.some((i) => i.index > after.index && i.args.includes(file));
}

function fixFor(ctx: RuleContext, lines: LineIndex, copy: CopyInfo, url: string, tool: Tool): Fix | null {
  const add = copy.inst;
  if (
    add.flags.some((f) => f.name !== 'chown' && f.name !== 'chmod') ||
    copy.sources.length !== 1 ||
    copy.destAbs === null
  )
    return null;
  const expanded = expandVars(url, add.scope, ctx.model.escape, true);
  const name =
    expanded
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? '';
  if (copy.dest.endsWith('/') && (!name || name.includes('$'))) return null;
  const file = copy.dest.endsWith('/') ? `${copy.destAbs.replace(/\/$/, '')}/${name}` : copy.destAbs;
  const download = downloadCommand(tool, url, file, copy);
  const run = user(ctx, add, file);
  if (run) {
    const items = run.script.items;
    const first = items[0]!;
    const strict = first.command?.name === 'set' && run.script.errexit && first.after === ';' && items.length > 1;
    let at: TextEdit | null = null;
    if (strict) at = insert(lines, fileOffset(run.src, items[1]!.start), `${download}; `);
    else if (items.every((it) => it.after === null || it.after === '&&' || it.after === '|'))
      at = insert(lines, fileOffset(run.src, 0), `${download} && `);
    if (at) {
      const edits: TextEdit[] = [deleteInstruction(lines, add), at];
      if (!mentionedAfter(ctx, run.inst, file)) {
        const rm = appendCommand(ctx, run, `rm -f ${quote(file)}`);
        if (rm) edits.push(rm);
      }
      return {
        title: `Download with ${tool} in the RUN on line ${run.inst.range.start.line + 1}${edits.length > 2 ? ', and delete it there' : ''}`,
        edits,
        preferred: true,
      };
    }
  }
  const start = lines.offsetAt(add.range.start);
  const keyword = lines.text.slice(start, lines.offsetAt(add.keywordRange.end));
  const runKw = keyword === keyword.toLowerCase() ? 'run' : 'RUN';
  return {
    title: `Download with ${tool} in a RUN instead`,
    edits: [replace(lines, start, lines.offsetAt(add.range.end), `${runKw} ${download}`)],
    preferred: false,
  };
}

export const addRemoteUrl: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const out: Finding[] = [];
    for (const inst of ctx.model.instructions) {
      if (inst.keyword !== 'ADD' || inst.stage < 0) continue;
      const copy = copyInfo(ctx.model, inst);
      const url = copy?.sources.find(isUrl);
      if (!copy || !url || /\.git(#|$)/.test(url)) continue;
      const raw = (inst.json ?? inst.args.split(/\s+/)).find((w) => isUrl(w)) ?? url;
      const tool = downloadTool(ctx, inst);
      const fix = tool && fixFor(ctx, lines, copy, raw, tool);
      const bytes = layerBytes(ctx, inst) ?? addedUnder(ctx, inst, '/');
      out.push(
        finding(
          CODE,
          lines,
          inst,
          severityOf(ctx, inst, 'warning', { bound: bytes }),
          'ADD with a URL keeps the download in a layer of its own, even when a later RUN unpacks, moves or deletes it. ' +
            'Download it in the RUN that uses it.' +
            (tool ? '' : ' (No quick fix: the image shows no curl or wget before this line.)'),
          null,
          fix ? [fix] : [],
        ),
      );
    }
    return out;
  },
};
