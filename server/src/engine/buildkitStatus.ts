// BuildKit's status messages, as the Engine API's /build stream carries them (`{"id":"moby.buildkit.trace","aux":
// "<base64>"}`): a moby.buildkit.v1.StatusResponse protobuf. Only what the build's log and timings read is declared:
// the vertexes (each step: its name, when it started and completed, whether it came from the cache, its error) and
// the logs (what its commands printed). Fields not declared here are skipped by the decoder.
import { Root, type Type } from 'protobufjs';

interface Vertex {
  readonly digest: string;
  readonly name: string;
  readonly cached: boolean;
  /** Epoch milliseconds, as the builder timed them; null until known. */
  readonly started: number | null;
  readonly completed: number | null;
  readonly error: string;
}

export interface StatusMessage {
  readonly vertexes: readonly Vertex[];
  /** What the steps printed, in order. */
  readonly logs: readonly string[];
}

const TIMESTAMP = { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } };
const SCHEMA = {
  nested: {
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
      },
    },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: { fields: { vertex: { type: 'string', id: 1 }, msg: { type: 'bytes', id: 4 } } },
    Timestamp: TIMESTAMP,
  },
};

interface RawTimestamp {
  seconds?: number;
  nanos?: number;
}
interface RawStatus {
  vertexes?: Array<{
    digest?: string;
    name?: string;
    cached?: boolean;
    started?: RawTimestamp;
    completed?: RawTimestamp;
    error?: string;
  }>;
  logs?: Array<{ msg?: Uint8Array }>;
}

/** The decoder of one status message; made once per reader (no module state). */
export function statusDecoder(): (base64: string) => StatusMessage {
  const type: Type = Root.fromJSON(SCHEMA).lookupType('StatusResponse');
  const ms = (t: RawTimestamp | undefined): number | null =>
    t?.seconds === undefined ? null : t.seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return (base64) => {
    const raw = type.toObject(type.decode(Buffer.from(base64, 'base64')), { longs: Number }) as RawStatus;
    return {
      vertexes: (raw.vertexes ?? []).map((v) => ({
        digest: v.digest ?? '',
        name: v.name ?? '',
        cached: v.cached ?? false,
        started: ms(v.started),
        completed: ms(v.completed),
        error: v.error ?? '',
      })),
      logs: (raw.logs ?? []).map((l) => Buffer.from(l.msg ?? new Uint8Array()).toString('utf8')),
    };
  };
}
