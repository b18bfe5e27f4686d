// The layer explorer's model, with no `vscode` import (unit-tested as is): nodes from the server turned into what a
// tree item shows — label, description with a size bar, codicon, tooltip, command — plus the cache of children and
// parents that lazy expansion, paging and revealing need. Sizes lead the label, as dive's size column does: a narrow
// sidebar cuts the end of a long command and hides the description, never the size.
import { formatBytes } from '../../../server/src/core/format';
import { decodeNodeId, type LayerNode, type LayersResult } from '../../../server/src/protocol';

export interface ItemData {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
  /** A codicon id, and the theme colour to paint it with (or null). */
  readonly icon: { readonly id: string; readonly color: string | null };
  readonly collapsible: 'none' | 'collapsed' | 'expanded';
  /** For context menus (`viewItem == layer`, …). */
  readonly contextValue: string;
  /** Clicking a node with lines reveals them in the editor. */
  readonly reveal: { readonly startLine: number; readonly endLine: number } | null;
}

/** A share of the image as a bar of ten eighths-blocks: `████▋░░░░░`. */
export function shareBar(share: number, width = 10): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return '█'.repeat(full) + (part ? ('▏▎▍▌▋▊▉'[part - 1] ?? '') : '') + '░'.repeat(width - full - (part ? 1 : 0));
}

const KEYWORD_ICONS: Record<string, string> = {
  RUN: 'terminal',
  COPY: 'files',
  ADD: 'cloud-download',
  WORKDIR: 'folder',
  FROM: 'package',
};
/** The codicons of the nodes that show their label alone. */
const PLAIN_ICONS: Partial<Record<LayerNode['kind'], string>> = {
  stage: 'symbol-namespace',
  largest: 'list-ordered',
  more: 'ellipsis',
  message: 'info',
};
const STATUS_BADGES: Record<string, string> = { added: 'A', modified: 'M', removed: 'D', unchanged: '' };

/** The label a node shows: its size first (when it has one), then its name. */
export function labelOf(node: LayerNode): string {
  return node.sizeBytes !== undefined ? `${formatBytes(node.sizeBytes)} · ${node.label}` : node.label;
}

export function itemOf(node: LayerNode): ItemData {
  const removable = node.removableBytes ? `${formatBytes(node.removableBytes)} removable` : '';
  const collapsible = node.hasChildren ? (node.kind === 'image' ? 'expanded' : 'collapsed') : 'none';
  const base = {
    id: node.id,
    label: labelOf(node),
    tooltip: node.detail ?? node.label,
    collapsible,
    reveal: node.range ?? null,
  } as const;
  switch (node.kind) {
    case 'image':
      return {
        ...base,
        description: [node.status ? `efficiency ${node.status}` : '', removable].filter(Boolean).join(' · '),
        icon: { id: 'layers', color: null },
        contextValue: 'image',
      };
    case 'previous':
      return {
        ...base,
        description: node.status ?? '',
        icon: { id: 'history', color: null },
        contextValue: 'previous',
      };
    case 'base':
    case 'layer': {
      const share =
        node.share !== undefined
          ? `${shareBar(node.share)} ${(node.share * 100).toFixed(node.share < 0.1 ? 1 : 0)}%`
          : '';
      const stale =
        node.status === 'stale'
          ? 'edited since the build'
          : decodeNodeId(node.id)?.kind === 'previousLine'
            ? (node.status ?? '')
            : '';
      return {
        ...base,
        description: [share, node.buildTime ?? '', removable, stale].filter(Boolean).join(' · '),
        icon: {
          id: KEYWORD_ICONS[node.keyword ?? ''] ?? 'symbol-event',
          color: node.removableBytes ? 'list.warningForeground' : null,
        },
        contextValue: node.kind,
      };
    }
    case 'dir':
    case 'file': {
      const badge = STATUS_BADGES[node.status ?? ''] ?? '';
      const color = node.removable
        ? 'list.warningForeground'
        : node.status === 'removed'
          ? 'gitDecoration.deletedResourceForeground'
          : node.status === 'modified'
            ? 'gitDecoration.modifiedResourceForeground'
            : node.status === 'added'
              ? 'gitDecoration.addedResourceForeground'
              : null;
      return {
        ...base,
        description: [badge, node.removable ? 'removable' : '', node.origin ?? ''].filter(Boolean).join(' · '),
        icon: {
          id: node.kind === 'dir' ? 'folder' : node.fileType === 'symlink' ? 'file-symlink-file' : 'file',
          color,
        },
        contextValue: node.kind,
      };
    }
    default:
      return {
        ...base,
        description: '',
        icon: { id: PLAIN_ICONS[node.kind] ?? 'info', color: null },
        contextValue: node.kind,
      };
  }
}

export type Fetch = (parent: string | null, offset: number) => Promise<LayersResult>;

/** Children and parents as they were fetched; paging replaces a "more" node by the next page. */
export class LayerTreeModel {
  private readonly children = new Map<string | null, LayerNode[]>();
  private readonly parents = new Map<string, string | null>();
  private readonly nodes = new Map<string, LayerNode>();
  /** The state of the last top-level answer: 'ok', or why there is nothing to show. */
  state: LayersResult['state'] | 'loading' = 'loading';
  message = '';
  /** Bumped by clear(): an answer to a request made before belongs to another document or image and is dropped. */
  private generation = 0;

  constructor(private readonly fetch: Fetch) {}

  async childrenOf(parent: LayerNode | null): Promise<LayerNode[]> {
    const key = parent?.id ?? null;
    const known = this.children.get(key);
    if (known) return known;
    const asked = this.generation;
    const r = await this.fetch(key, 0);
    if (asked !== this.generation) return [];
    if (key === null) {
      this.state = r.state;
      this.message = r.message;
    }
    const nodes = [...r.nodes];
    this.remember(key, nodes);
    return nodes;
  }

  /** Replaces a "more" node by the page it stands for (and perhaps another "more"). */
  async expandMore(more: LayerNode): Promise<void> {
    const parent = this.parents.get(more.id) ?? null;
    const id = decodeNodeId(more.id);
    const offset = id?.kind === 'more' ? id.offset : 0;
    const asked = this.generation;
    const r = await this.fetch(more.id, offset);
    if (asked !== this.generation) return;
    const siblings = (this.children.get(parent) ?? []).filter((n) => n.id !== more.id);
    this.remember(parent, [...siblings, ...r.nodes]);
  }

  /** Records a path from the top (as `dfsize/layerAtLine` answers it) so that its last node can be revealed. */
  rememberPath(path: readonly LayerNode[]): void {
    path.forEach((n, i) => {
      this.nodes.set(n.id, n);
      if (!this.parents.has(n.id)) this.parents.set(n.id, path[i - 1]?.id ?? null);
    });
  }

  parentOf(node: LayerNode): LayerNode | null {
    const p = this.parents.get(node.id);
    return p ? (this.nodes.get(p) ?? null) : null;
  }

  node(id: string): LayerNode | undefined {
    return this.nodes.get(id);
  }

  clear(): void {
    this.generation++;
    this.children.clear();
    this.parents.clear();
    this.nodes.clear();
    this.state = 'loading';
    this.message = '';
  }

  private remember(parent: string | null, nodes: LayerNode[]): void {
    this.children.set(parent, nodes);
    for (const n of nodes) {
      this.nodes.set(n.id, n);
      this.parents.set(n.id, parent);
    }
  }
}
