// The messages of "Analyse Registry Image…" (an image read straight from its registry, shown in the layer explorer),
// part of protocol.ts, which re-exports them: the client imports protocol.ts alone.
import { RequestType } from 'vscode-languageserver-protocol';
import type { LayersResult } from './protocol';

/** The client's "Analyse Registry Image…" command, which a FROM line's hover links to with `{ ref, uri }`. */
export const ANALYSE_REGISTRY_COMMAND = 'dockerfileSize.analyseRegistryImage';

/** Why `ref` is no image reference the registry code can fetch (one line, what to do), or null: the input box asks. */
export namespace CheckReferenceRequest {
  export const method = 'dfsize/checkReference';
  export const type = new RequestType<{ ref: string }, { problem: string | null }, void>(method);
}

/** What "Analyse Registry Image…" got: the image's analysis is then listed by RegistryLayersRequest under `ref`. */
export interface RegistryAnalysisResult {
  readonly ok: boolean;
  /** The reference as typed (trimmed): the explorer's label and the key of its layers. */
  readonly ref: string;
  /** One line: what was analysed and from where, or why not and what to do. Never a credential. */
  readonly message: string;
  /** Served from the analysis cache without asking the registry. */
  readonly cached: boolean;
}

/**
 * Fetches and analyses `ref` from its registry (the CLI's `dfsize analyze REGISTRY/REPO:TAG` path). In an untrusted
 * workspace nothing is fetched: only an analysis already cached for the reference is served. `uri`: the document
 * whose settings apply (its FROM line asked), if any. Cancellable; with progress on `workDoneToken`.
 */
export namespace AnalyseRegistryRequest {
  export const method = 'dfsize/analyseRegistry';
  /** `workDoneToken`: the server reports the bytes read on it (`$/progress`, begin → report… → end). */
  export const type = new RequestType<
    { ref: string; uri?: string; workDoneToken?: string },
    RegistryAnalysisResult,
    void
  >(method);
}

/** The explorer's nodes for a registry image AnalyseRegistryRequest analysed (`ref` as it answered). */
export namespace RegistryLayersRequest {
  export const method = 'dfsize/registryLayers';
  export const type = new RequestType<
    { ref: string; parent: string | null; offset?: number; limit?: number },
    LayersResult,
    void
  >(method);
}
