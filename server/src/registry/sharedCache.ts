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
import { OCI_INDEX, OCI_MANIFEST } from '../core/mediaTypes';
import { fetchDocument, sha256 } from './image';
import { pushBlob, pushManifest } from './push';
import { pushReferrer, readReferrers, type ReferrersVia, type Subject } from './referrers';
import {
  artifactManifest,
  entriesOf,
  INDEX_ARTIFACT_TYPE,
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
  /** How the analyses were tied to the image, or why they could not be (null: no image in this repository). */
  readonly referrers: ReferrersVia | { readonly failed: string } | null;
}

/** The image analysed, when it lives in the cache's repository: its manifest and its layers' diffIDs, in order. */
export interface SharedImage {
  readonly subject: Subject;
  readonly diffIds: readonly string[];
}

/** Pushes the analyses of `layers` the cache at `at` lacks, and the merged index. RegistryError when it cannot. */
export async function shareLayers(
  client: RegistryClient,
  at: CacheRef,
  layers: readonly ComputedLayer[],
  image: SharedImage | null = null,
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
  const had = new Set(layers.map((l) => l.diffId)).size - todo.length;
  return { pushed: fresh.length, had, bytes, referrers: image && (await tieToImage(client, at, image, fresh, have)) };
}

/**
 * The image's analysis artifact, with `subject` its manifest, naming each of its layers' analyses known here. A
 * registry that refuses it (or a fallback tag that holds something else) is said, not thrown: the index is pushed.
 */
async function tieToImage(
  client: RegistryClient,
  at: CacheRef,
  image: SharedImage,
  fresh: readonly SharedEntry[],
  have: ReadonlyMap<string, SharedEntry>,
): Promise<ReferrersVia | { failed: string } | null> {
  const known = new Map([...have, ...fresh.map((e) => [e.diffId, e] as const)]);
  const entries = [...new Set(image.diffIds)].flatMap((d) => known.get(d) ?? []);
  if (!entries.length) return null;
  try {
    await pushBlob(client, at.repo, Buffer.from('{}'));
    return await pushReferrer(client, at.repo, image.subject, entries);
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    return { failed: e.message };
  }
}

export interface SharedLayerSourceOptions {
  /** One line for each thing that went wrong (an absent or broken index, a refused artifact): the layer is read. */
  readonly warn: (line: string) => void;
  /** Blobs fetched at once. */
  readonly concurrency?: number;
}

/**
 * `--cache-from`: the analyses of the layers asked for — first those tied to the image by referrers (when the image
 * lives in the cache's repository: `tie`), then, for the layers still missing, from the index at `at`.
 */
export class SharedLayerSource implements LayerSource {
  private index: Promise<Map<string, SharedEntry>> | null = null;
  private subject: string | null = null;
  /** The diffIDs answered (not trusted: never shared on by `--cache-to`). */
  readonly answered = new Set<string>();
  /** Where the answers came from (the index's name, or the image's referrers), with their count and bytes. */
  readonly origins = new Map<string, { count: number; bytes: number }>();

  constructor(
    private readonly client: RegistryClient,
    readonly at: CacheRef,
    private readonly opts: SharedLayerSourceOptions,
  ) {}

  get name(): string {
    return `${this.client.host}/${this.at.repo}:${this.at.tag}`;
  }

  /** Asks the referrers of the image `digest` first, when it lives at `host`/`repo` (this cache's repository). */
  tie(host: string, repo: string, digest: string): boolean {
    if (host !== this.client.host || repo !== this.at.repo) return false;
    this.subject = digest;
    return true;
  }

  private entries(warnAbsent: boolean): Promise<Map<string, SharedEntry>> {
    this.index ??= readIndex(this.client, this.at).then(
      (all) => {
        if (all === null && warnAbsent)
          this.opts.warn(`--cache-from ${this.name}: no shared cache there yet; reading the layers`);
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

  /** The analyses tied to the image, and the name that says how they were found; none when they cannot be read. */
  private async referrers(subject: string): Promise<{ map: Map<string, SharedEntry>; origin: string }> {
    const at = `${this.client.host}/${this.at.repo}@${subject.slice(0, 19)}`;
    try {
      const { entries, via } = await readReferrers(this.client, this.at.repo, subject);
      const how = via.api ? "the registry's referrers API" : `the referrers tag schema, tag ${via.tag.slice(0, 19)}…`;
      return { map: usable(entries.reverse()), origin: `the referrers of ${at} (${how})` };
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      this.opts.warn(`--cache-from ${this.name}: the referrers of ${at} cannot be read (${e.message})`);
      return { map: new Map(), origin: '' };
    }
  }

  async lookup(diffIds: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, LayerList>> {
    const want = [...new Set(diffIds)];
    const refs = this.subject
      ? await this.referrers(this.subject)
      : { map: new Map<string, SharedEntry>(), origin: '' };
    const rest = want.filter((d) => !refs.map.has(d));
    const index = rest.length ? await this.entries(refs.map.size === 0) : new Map<string, SharedEntry>();
    const wanted: Array<[SharedEntry, string]> = [
      ...want.flatMap((d) => refs.map.get(d) ?? []).map((e) => [e, refs.origin] as [SharedEntry, string]),
      ...rest.flatMap((d) => index.get(d) ?? []).map((e) => [e, this.name] as [SharedEntry, string]),
    ];
    const found = new Map<string, LayerList>();
    const queue = wanted.values();
    const worker = async () => {
      for (let it = queue.next(); !it.done; it = queue.next()) {
        signal?.throwIfAborted();
        const [e, origin] = it.value;
        const list = await this.fetch(e, origin);
        if (list) found.set(e.diffId, list);
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency ?? 4 }, worker));
    return found;
  }

  /** One entry's list; null (said in one line) when its blob is missing, altered or not an analysis. */
  private async fetch(e: SharedEntry, origin: string): Promise<LayerList | null> {
    try {
      const list = await decodeLayerArtifact(this.client.blob(this.at.repo, e.blob.digest, e.blob.size));
      this.answered.add(e.diffId);
      const o = this.origins.get(origin) ?? { count: 0, bytes: 0 };
      this.origins.set(origin, { count: o.count + 1, bytes: o.bytes + e.blob.size });
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
