// What the client and the server say to each other beyond the LSP: the settings (one typed object, resolved per
// document) and the custom messages, each as `namespace X { method; type }`. The client imports this file too, so
// it imports nothing but the protocol library (and one constant of the analysis contract, which imports nothing).
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import { MAX_AUTO_ANALYSIS_BYTES } from './core/analysis';

/** `dockerfileSize.*` as the server uses it. Defaults here and in package.json agree. */
export interface Settings {
  readonly engine: {
    /** DOCKER_HOST form; '' = environment, docker context, local socket. Never taken from an untrusted workspace. */
    readonly host: string;
    readonly timeoutMs: number;
  };
  readonly discovery: { readonly maxImages: number };
  readonly hints: { readonly showZeroBytes: boolean; readonly showBuildTime: boolean };
  readonly rules: {
    /** Findings whose measured bytes are below this are hints, not warnings. */
    readonly minBytes: number;
    readonly disabled: readonly string[];
  };
  readonly analysis: {
    /** Images up to this size are analysed (exported and read) without being asked; bigger ones on request. */
    readonly maxAutoBytes: number;
  };
  readonly registry: {
    /** Registries spoken to over plain HTTP (`host:port`); loopback ones always may. */
    readonly insecure: readonly string[];
    /**
     * Where Docker Hub's names are asked (`host[:port][/prefix]`, a mirror or pull-through cache): base image sizes and
     * Analyse Registry Image… of a FROM line's base. '' Docker Hub (for sizes, DFSIZE_REGISTRY_MIRROR first); `off`
     * asks no registry for sizes. Never taken from an untrusted workspace.
     */
    readonly mirror: string;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  engine: { host: '', timeoutMs: 10000 },
  discovery: { maxImages: 200 },
  hints: { showZeroBytes: false, showBuildTime: false },
  rules: { minBytes: 1_000_000, disabled: [] },
  analysis: { maxAutoBytes: MAX_AUTO_ANALYSIS_BYTES },
  registry: { insecure: [], mirror: '' },
};

/** Turns whatever `workspace/configuration` answered into Settings, ignoring what has the wrong type. */
export function toSettings(raw: unknown): Settings {
  const r = (raw ?? {}) as {
    engine?: Record<string, unknown>;
    discovery?: Record<string, unknown>;
    hints?: Record<string, unknown>;
    rules?: Record<string, unknown>;
    analysis?: Record<string, unknown>;
    registry?: Record<string, unknown>;
  };
  const d = DEFAULT_SETTINGS;
  const num = (v: unknown, dflt: number, min: number) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
  const bool = (v: unknown, dflt: boolean) => (typeof v === 'boolean' ? v : dflt);
  const strings = (v: unknown, dflt: readonly string[]) =>
    Array.isArray(v) ? (v as unknown[]).filter((x): x is string => typeof x === 'string') : dflt;
  return {
    engine: {
      host: typeof r.engine?.host === 'string' ? r.engine.host : d.engine.host,
      timeoutMs: num(r.engine?.timeoutMs, d.engine.timeoutMs, 500),
    },
    discovery: { maxImages: num(r.discovery?.maxImages, d.discovery.maxImages, 1) },
    hints: {
      showZeroBytes: bool(r.hints?.showZeroBytes, d.hints.showZeroBytes),
      showBuildTime: bool(r.hints?.showBuildTime, d.hints.showBuildTime),
    },
    rules: {
      minBytes: num(r.rules?.minBytes, d.rules.minBytes, 0),
      disabled: strings(r.rules?.disabled, d.rules.disabled),
    },
    analysis: { maxAutoBytes: num(r.analysis?.maxAutoBytes, d.analysis.maxAutoBytes, 0) },
    registry: {
      insecure: strings(r.registry?.insecure, d.registry.insecure),
      mirror: typeof r.registry?.mirror === 'string' ? r.registry.mirror.trim() : d.registry.mirror,
    },
  };
}

/** What the client tells the server at start (`initializationOptions`). */
export interface InitializationOptions {
  /** False in Restricted Mode: the server never builds and ignores settings that redirect the engine. */
  readonly workspaceTrusted: boolean;
  /** Images the user chose per Dockerfile (document URI → image reference), remembered by the client. */
  readonly selections?: Readonly<Record<string, string>>;
  /** Settings for editors without `workspace/configuration`. */
  readonly settings?: unknown;
  /** Where the layer analysis may keep its cache (the extension's global storage); default ~/.cache/dfsize. */
  readonly storageDir?: string;
}

/** The state of one document's numbers: the engine, the image and why. */
export interface Status {
  readonly uri: string;
  readonly engine: {
    readonly url: string | null;
    /** Where the address came from: setting, DOCKER_HOST, docker context, default. */
    readonly source: string;
    readonly reachable: boolean | null;
    readonly product: string | null;
    readonly version: string | null;
  };
  readonly image: {
    readonly ref: string;
    readonly id: string;
    readonly sizeBytes: number;
    readonly builder: string;
  } | null;
  /** The numbers shown are the last known: the engine is not answering, or answered with an error or garbage. */
  readonly cached: boolean;
  /** One line: why this image, or why none and what to do. */
  readonly message: string;
}

export namespace StatusNotification {
  export const method = 'dfsize/status';
  export const type = new NotificationType<Status>(method);
}

export interface ImageChoice {
  readonly id: string;
  readonly refs: readonly string[];
  /** Unix seconds. */
  readonly created: number;
  readonly sizeBytes: number;
  /** How well its history matches the Dockerfile (0..1). */
  readonly score: number;
  /** The image the document uses now. */
  readonly current: boolean;
  /** Built by this extension for this file (labelled), or named by a compose service building it. */
  readonly linked: boolean;
}

export namespace ListImagesRequest {
  export const method = 'dfsize/listImages';
  export const type = new RequestType<{ uri: string }, ImageChoice[], void>(method);
}

/** `ref` null: forget the choice, discover again. Answers the document's new status. */
export namespace SelectImageRequest {
  export const method = 'dfsize/selectImage';
  export const type = new RequestType<{ uri: string; ref: string | null }, Status, void>(method);
}

/**
 * What a node of the layer explorer stands for. On the wire (and as the tree's item id) it travels as the string
 * `encodeNodeId` makes; both sides read it back with `decodeNodeId` alone. Layers are indexes into the image's layers.
 */
export type NodeId =
  | { readonly kind: 'image' }
  | { readonly kind: 'stage'; readonly stage: number }
  | { readonly kind: 'base' }
  | { readonly kind: 'layer'; readonly layer: number }
  /** A file or directory of one layer. */
  | { readonly kind: 'path'; readonly layer: number; readonly path: string }
  /** The rest of a directory's children, from `offset` on. */
  | { readonly kind: 'more'; readonly layer: number; readonly dir: string; readonly offset: number }
  /** "Largest files" of one layer, or of the whole image (`layer` null). */
  | { readonly kind: 'largest'; readonly layer: number | null }
  /** One file of a "Largest files" list: the file `layer` ships at `path`, listed under the image's list or the layer's. */
  | { readonly kind: 'largestFile'; readonly inImage: boolean; readonly layer: number; readonly path: string }
  | { readonly kind: 'previous' }
  /** A line of the previous build (1-based). */
  | { readonly kind: 'previousLine'; readonly line: number }
  /** Why the children of `parent` cannot be listed (yet). */
  | { readonly kind: 'message'; readonly parent: NodeId };

// Wire forms: 'image', 'stage:2', 'base', 'layer:5', 'path:5:/usr/lib', 'more:5:200:/usr/lib', 'largest',
// 'largest:5', 'largest-file:image:5:/x', 'largest-file:layer:5:/x', 'previous', 'previous:12', 'message:<id>'.
// Numbers come first and a path last, so a path may hold any character, ':' included.

export function encodeNodeId(id: NodeId): string {
  switch (id.kind) {
    case 'image':
    case 'base':
    case 'previous':
      return id.kind;
    case 'stage':
      return `stage:${id.stage}`;
    case 'layer':
      return `layer:${id.layer}`;
    case 'path':
      return `path:${id.layer}:${id.path}`;
    case 'more':
      return `more:${id.layer}:${id.offset}:${id.dir}`;
    case 'largest':
      return id.layer === null ? 'largest' : `largest:${id.layer}`;
    case 'largestFile':
      return `largest-file:${id.inImage ? 'image' : 'layer'}:${id.layer}:${id.path}`;
    case 'previousLine':
      return `previous:${id.line}`;
    case 'message':
      return `message:${encodeNodeId(id.parent)}`;
  }
}

/** The node an id names, or null for text no encodeNodeId made. */
export function decodeNodeId(text: string): NodeId | null {
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? null : text.slice(colon + 1);
  if (rest === null)
    return head === 'image' || head === 'base' || head === 'previous' || head === 'largest' ? bare(head) : null;
  if (head === 'message') {
    const parent = decodeNodeId(rest);
    return parent && { kind: 'message', parent };
  }
  const [a, b, c] = fields(rest, head === 'largest-file' ? 2 : head === 'more' ? 2 : head === 'path' ? 1 : 0);
  const n = wholeNumber(a);
  const m = wholeNumber(b);
  switch (head) {
    case 'stage':
      return n === null ? null : { kind: 'stage', stage: n };
    case 'layer':
      return n === null ? null : { kind: 'layer', layer: n };
    case 'largest':
      return n === null ? null : { kind: 'largest', layer: n };
    case 'previous':
      return n === null ? null : { kind: 'previousLine', line: n };
    case 'path':
      return n === null || b === undefined ? null : { kind: 'path', layer: n, path: b };
    case 'more':
      return n === null || m === null || c === undefined ? null : { kind: 'more', layer: n, offset: m, dir: c };
    case 'largest-file':
      return (a === 'image' || a === 'layer') && m !== null && c !== undefined
        ? { kind: 'largestFile', inImage: a === 'image', layer: m, path: c }
        : null;
    default:
      return null;
  }
}

function bare(kind: 'image' | 'base' | 'previous' | 'largest'): NodeId {
  return kind === 'largest' ? { kind, layer: null } : { kind };
}

/** `text` cut at its first `count` colons: those fields, then the rest. */
function fields(text: string, count: number): string[] {
  const out: string[] = [];
  let from = 0;
  for (let k = 0; k < count; k++) {
    const at = text.indexOf(':', from);
    if (at < 0) return out;
    out.push(text.slice(from, at));
    from = at + 1;
  }
  out.push(text.slice(from));
  return out;
}

function wholeNumber(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null;
}

/** One node of the layer explorer: image → stages → layers (base layers under their FROM) → directories → files. */
export interface LayerNode {
  /** encodeNodeId of what it stands for: stable while the image is the same. */
  readonly id: string;
  readonly kind: 'image' | 'stage' | 'base' | 'layer' | 'dir' | 'file' | 'largest' | 'more' | 'message' | 'previous';
  readonly label: string;
  readonly sizeBytes?: number;
  /** Share of the image (layers and the base), 0..1. */
  readonly share?: number;
  /** Layers: the instruction's keyword (RUN, COPY, …), or the CreatedBy's when no line made it. */
  readonly keyword?: string;
  /** The instruction's lines in the document (0-based), when one made this node. */
  readonly range?: { readonly startLine: number; readonly endLine: number };
  /** Layers: matched/stale/…; files: added/modified/removed/unchanged. */
  readonly status?: string;
  /** Bytes shipped in this node that a later layer deletes or overwrites. */
  readonly removableBytes?: number;
  /** Files: deleted or overwritten later (the image ships them for nothing). */
  readonly removable?: boolean;
  /** Files of an image's "Largest files": the layer that ships them, as the list names it. */
  readonly origin?: string;
  readonly fileType?: string;
  readonly hasChildren: boolean;
  /** Layers: how long the line took in the build that made the image (`41 s`, `from cache`), when built here. */
  readonly buildTime?: string;
  /** Markdown for the tooltip. */
  readonly detail?: string;
}

export interface LayersResult {
  /** What the explorer can show: nodes, or a state that says why not. */
  readonly state: 'ok' | 'no-document' | 'no-engine' | 'no-image' | 'analysing' | 'failed';
  readonly message: string;
  readonly imageId: string | null;
  readonly nodes: readonly LayerNode[];
  /** Children of the parent in all (the nodes are one page of them). */
  readonly total: number;
}

export namespace LayersRequest {
  export const method = 'dfsize/layers';
  /** `parent` null: the top level. */
  export const type = new RequestType<
    { uri: string; parent: string | null; offset?: number; limit?: number },
    LayersResult,
    void
  >(method);
}

/** The nodes from the top down to the layer a line made (for revealing it), empty when none. */
export namespace LayerAtLineRequest {
  export const method = 'dfsize/layerAtLine';
  export const type = new RequestType<{ uri: string; line: number }, LayerNode[], void>(method);
}

/** Something the explorer shows changed for this document (image, analysis): ask again. */
export namespace LayersChangedNotification {
  export const method = 'dfsize/layersChanged';
  export const type = new NotificationType<{ uri: string }>(method);
}

/** Start (or restart) the layer analysis of the document's image, e.g. for an image too big to analyse unasked. */
export namespace AnalyseRequest {
  export const method = 'dfsize/analyse';
  export const type = new RequestType<{ uri: string }, { started: boolean; message: string }, void>(method);
}

export interface BuildOptions {
  /** Absolute path of the build context folder. */
  readonly contextDir: string;
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The stage to build (`--target`); null: the last. */
  readonly target: string | null;
  /** `os/arch`; null: the engine's. */
  readonly platform: string | null;
  readonly builder: 'auto' | 'buildkit' | 'legacy';
  /** Also build each named stage the image does not hold (as `<name>-<stage>:<tag>`), so every stage gets sizes. */
  readonly allStages?: boolean;
}

export interface BuildImageResult {
  readonly imageId: string;
  readonly tag: string;
  /** The builder that ran. */
  readonly builder: 'buildkit' | 'legacy';
}

/** The `code` of the ResponseError a BuildImageRequest fails with: what the client can offer the user next. */
export const BuildErrorCode = {
  /** Restricted Mode: a build runs the Dockerfile's commands (offer Manage Workspace Trust). */
  untrusted: 1,
  /** The document has no file on disk. */
  unsaved: 2,
  /** A build of this file is running already. */
  alreadyRunning: 3,
  /** The engine or the build failed (the build log says how). */
  failed: 4,
} as const;

/** Builds the document's Dockerfile (saved on disk) through the engine. Refused in untrusted workspaces. */
export namespace BuildImageRequest {
  export const method = 'dfsize/build';
  export const type = new RequestType<{ uri: string; buildId: string; options: BuildOptions }, BuildImageResult, void>(
    method,
  );
}

export namespace BuildLogNotification {
  export const method = 'dfsize/buildLog';
  export const type = new NotificationType<{ buildId: string; line: string }>(method);
}

export namespace BuildProgressNotification {
  export const method = 'dfsize/buildProgress';
  export const type = new NotificationType<{
    buildId: string;
    step: number;
    total: number;
    name: string;
    stage: string | null;
  }>(method);
}

export namespace CancelBuildNotification {
  export const method = 'dfsize/cancelBuild';
  export const type = new NotificationType<{ buildId: string }>(method);
}

/** The document's image (NEW) against OLD, `previous` (the build before the last Build Image) or a local image. */
export interface CompareResult {
  /** The comparison as one screen of text; null when there is none, and `message` says why. */
  readonly text: string | null;
  readonly message: string;
}

export namespace CompareRequest {
  export const method = 'dfsize/compare';
  export const type = new RequestType<{ uri: string; old: string }, CompareResult, void>(method);
}

export * from './registryProtocol';
