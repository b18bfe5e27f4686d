// A layer-analysis cache the team shares in their registry. `shareLayers` (`--cache-to`) pushes each layer's analysis
// the index at the tag lacks, then the index merged with what the tag held (read-modify-write). `SharedLayerSource`
// (`--cache-from`) answers the analysis' LayerSource: it reads the index once and fetches only the blobs of the
// diffIDs asked for, each checked against its digest as it streams and decoded line by line. What it answers is not
// trusted: the caller keeps it out of the local `trusted` scope (analysis/analyze.ts).
import type { ComputedLayer } from '../analysis/compute';
import type { LayerList } from '../analysis/entries';
import { ArtifactError, decodeLayerArtifact, encodeLayerArtifact } from '../analysis/layerArtifact';
import type { LayerSource } from '../analysis/layerSource';
import { RegistryError, type RegistryClient } from './client';
import { ANALYSER_VERSION } from '../analysis/compute';
import { fetchDocument, sha256 } from './image';
import { pushBlob, pushManifest } from './push';
import {
  artifactManifest,
  entriesOf,
  INDEX_ARTIFACT_TYPE,
  OCI_INDEX,
  OCI_MANIFEST,
  indexDocument,
  usable,
  type CacheRef,
  type SharedEntry,
} from './sharedIndex';

/**
 * The index at the tag; null when the tag is not there yet. A tag that holds anything else (an image, another tool's
 * index) is a RegistryError: the cache must never overwrite it.
 */
async function readIndex(client: RegistryClient, at: CacheRef): Promise<SharedEntry[] | null> {
  let doc;
  try {
    doc = await fetchDocument(client, at.repo, at.tag);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') return null;
    throw e;
  }
  if ((doc.json as { artifactType?: unknown }).artifactType !== INDEX_ARTIFACT_TYPE)
    throw new RegistryError(
      'protocol',
      client.host,
      `${at.repo}:${at.tag} holds something that is not a dfsize analysis cache (${doc.mediaType}): name another tag`,
    );
  return entriesOf(doc.json);
}

export interface ShareResult {
  /** Layer analyses pushed now. */
  readonly pushed: number;
  /** Layers whose analysis the index had already. */
  readonly had: number;
  /** Bytes of the analysis blobs pushed. */
  readonly bytes: number;
}

/** Pushes the analyses of `layers` the cache at `at` lacks, and the merged index. RegistryError when it cannot. */
export async function shareLayers(
  client: RegistryClient,
  at: CacheRef,
  layers: readonly ComputedLayer[],
): Promise<ShareResult> {
  const old = (await readIndex(client, at)) ?? [];
  const have = usable(old);
  const fresh: SharedEntry[] = [];
  let bytes = 0;
  const todo = [...new Map(layers.filter((l) => !have.has(l.diffId)).map((l) => [l.diffId, l.list])).entries()];
  // OCI 1.1's empty config (`{}`), which every artifact manifest names: the registry checks it is there.
  if (todo.length) await pushBlob(client, at.repo, Buffer.from('{}'));
  for (const [diffId, list] of todo) {
    const blob = await pushBlob(client, at.repo, await encodeLayerArtifact(list));
    const body = artifactManifest(diffId, blob);
    const m = await pushManifest(client, at.repo, sha256(body), OCI_MANIFEST, body);
    fresh.push({ diffId, version: ANALYSER_VERSION, manifest: m, blob });
    if (blob.uploaded) bytes += blob.size;
  }
  if (fresh.length || old.length === 0)
    await pushManifest(client, at.repo, at.tag, OCI_INDEX, indexDocument(fresh, old));
  return { pushed: fresh.length, had: new Set(layers.map((l) => l.diffId)).size - todo.length, bytes };
}

export interface SharedLayerSourceOptions {
  /** One line for each thing that went wrong (an absent or broken index, a refused artifact): the layer is read. */
  readonly warn: (line: string) => void;
  /** Blobs fetched at once. */
  readonly concurrency?: number;
}

/** `--cache-from`: the analyses of the layers asked for, from the index at `at`. */
export class SharedLayerSource implements LayerSource {
  private index: Promise<Map<string, SharedEntry>> | null = null;
  /** The diffIDs answered (not trusted: never shared on by `--cache-to`), and their blobs' bytes. */
  readonly answered = new Set<string>();
  bytes = 0;

  constructor(
    private readonly client: RegistryClient,
    readonly at: CacheRef,
    private readonly opts: SharedLayerSourceOptions,
  ) {}

  get name(): string {
    return `${this.client.host}/${this.at.repo}:${this.at.tag}`;
  }

  private entries(): Promise<Map<string, SharedEntry>> {
    this.index ??= readIndex(this.client, this.at).then(
      (all) => {
        if (all === null) this.opts.warn(`--cache-from ${this.name}: no shared cache there yet; reading the layers`);
        return usable(all ?? []);
      },
      (e: unknown) => {
        if (!(e instanceof RegistryError)) throw e;
        this.opts.warn(`--cache-from ${this.name}: ${e.message}; reading the layers`);
        return new Map<string, SharedEntry>();
      },
    );
    return this.index;
  }

  async lookup(diffIds: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, LayerList>> {
    const index = await this.entries();
    const wanted = [...new Set(diffIds)].flatMap((d) => index.get(d) ?? []);
    const found = new Map<string, LayerList>();
    const queue = wanted.values();
    const worker = async () => {
      for (let it = queue.next(); !it.done; it = queue.next()) {
        signal?.throwIfAborted();
        const e = it.value;
        const list = await this.fetch(e);
        if (list) found.set(e.diffId, list);
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency ?? 4 }, worker));
    return found;
  }

  /** One entry's list; null (said in one line) when its blob is missing, altered or not an analysis. */
  private async fetch(e: SharedEntry): Promise<LayerList | null> {
    try {
      const list = await decodeLayerArtifact(this.client.blob(this.at.repo, e.blob.digest, e.blob.size));
      this.answered.add(e.diffId);
      this.bytes += e.blob.size;
      return list;
    } catch (err) {
      if (!(err instanceof RegistryError) && !(err instanceof ArtifactError)) throw err;
      this.opts.warn(
        `--cache-from ${this.name}: the analysis of layer ${e.diffId.slice(7, 19)} is refused (${err.message}); reading the layer`,
      );
      return null;
    }
  }
}
