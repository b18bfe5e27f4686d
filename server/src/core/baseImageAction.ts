// A FROM line's hover offers "Analyse this base image": a command link (its arguments encoded in the URI, as VS Code
// runs trusted command links) that asks for the registry analysis of the image the line names, ARGs expanded. Stage
// names, `scratch` and references still holding a variable offer nothing. Pure.
import { MarkupContent, type Hover } from 'vscode-languageserver-types';
import { instructionAtLine, type DockerfileModel } from './dockerfile';
import { parseImageRef } from './rules/baseImages';

/** The base image the FROM instruction at `line` names, or null (not a FROM, a stage, scratch, unexpanded). */
export function baseImageAt(model: DockerfileModel, line: number): string | null {
  const inst = instructionAtLine(model, line);
  if (inst?.keyword !== 'FROM') return null;
  const stage = model.stages.find((s) => s.from.index === inst.index);
  if (stage?.base.kind !== 'image') return null;
  const { ref } = stage.base;
  // An unset ARG expands to nothing: `${REGISTRY}/app` becomes `/app`, which names no image.
  const whole = /^[a-z0-9]/i.test(ref) && !ref.includes('//') && !ref.includes('$');
  return whole && parseImageRef(ref) ? ref : null;
}

/**
 * The markdown of the link for the FROM at `line` of document `uri`, or null when it names no image to fetch.
 * `command`: the client's "Analyse Registry Image…" (protocol ANALYSE_REGISTRY_COMMAND).
 */
export function baseImageAction(model: DockerfileModel, line: number, uri: string, command: string): string | null {
  const ref = baseImageAt(model, line);
  if (!ref) return null;
  const args = encodeURIComponent(JSON.stringify([{ ref, uri }]));
  return `[$(cloud-download) Analyse this base image](command:${command}?${args} "Fetch ${ref} from its registry and show its layers")`;
}

/** The hover's markdown (computeHover's) with the action as its last paragraph; null when there is neither. */
export function withAction(hover: Hover | null, action: string | null): MarkupContent | null {
  const text = hover && MarkupContent.is(hover.contents) ? hover.contents.value : null;
  if (text === null && !action) return null;
  return { kind: 'markdown', value: [text, action].filter((t) => t !== null).join('\n\n') };
}
