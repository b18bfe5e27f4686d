// What keeps the editor's numbers current without asking the engine every time: the caching source and the event
// stream (decoded, watched, re-opened when it drops).
import { strict as assert } from 'node:assert';
import type { HistoryRow } from '../../server/src/core/history';
import { decodeEvents, watchImageEvents, type EventSource, type ImageEvent } from '../../server/src/engine/events';
import type { ImageDetails, ImageSource, ImageSummary } from '../../server/src/engine/source';
import { CachingSource } from '../../server/src/images/cachingSource';

const ID = `sha256:${'a'.repeat(64)}`;

class CountingSource implements ImageSource {
  readonly endpoint = 'fake://';
  calls = { list: 0, inspect: 0, history: 0 };
  failNext = false;
  async version() {
    return { product: 'docker' as const, version: 'x', apiVersion: 'x' };
  }
  async list(): Promise<ImageSummary[]> {
    this.calls.list++;
    return [{ id: ID, refs: ['a:1'], created: 1, sizeBytes: 1, labels: {} }];
  }
  async inspect(): Promise<ImageDetails> {
    this.calls.inspect++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('boom');
    }
    return {
      id: ID,
      refs: ['a:1'],
      sizeBytes: 1,
      created: null,
      os: null,
      architecture: null,
      labels: {},
      layers: [],
      sizeMeasure: 'layer-tar',
      config: { entrypoint: null, cmd: null, exposedPorts: [], workingDir: null, user: null, onBuild: [] },
    };
  }
  async history(): Promise<HistoryRow[]> {
    this.calls.history++;
    return [];
  }
  async export(): Promise<NodeJS.ReadableStream> {
    throw new Error('not used');
  }
}

describe('caching source', () => {
  it('keeps histories by id for good, lists and tags until the engine says something changed', async () => {
    const inner = new CountingSource();
    const s = new CachingSource(inner);
    s.watched = true;
    await s.list();
    await s.list();
    await s.history(ID);
    await s.history(ID);
    await s.inspect('a:1');
    await s.inspect('a:1');
    await s.inspect(ID);
    assert.deepEqual(inner.calls, { list: 1, inspect: 1, history: 1 });
    s.invalidate();
    await s.list();
    await s.inspect('a:1');
    await s.history(ID);
    assert.deepEqual(inner.calls, { list: 2, inspect: 2, history: 1 }, 'ids are immutable: their history stays');
    s.invalidate([ID]);
    await s.history(ID);
    assert.equal(inner.calls.history, 2, 'a deleted id is forgotten');
  });

  it('without the event stream the list expires after a few seconds; failures are not remembered', async () => {
    const inner = new CountingSource();
    let now = 0;
    const s = new CachingSource(inner, () => now);
    await s.list();
    now += 1000;
    await s.list();
    assert.equal(inner.calls.list, 1);
    now += 5000;
    await s.list();
    assert.equal(inner.calls.list, 2);
    inner.failNext = true;
    await assert.rejects(s.inspect('b:2'));
    await s.inspect('b:2');
    assert.equal(inner.calls.inspect, 2);
  });
});

describe('engine events', () => {
  async function* chunks(...parts: string[]) {
    for (const p of parts) yield Buffer.from(p);
  }

  it('decodes newline-delimited JSON split anywhere, image events only', async () => {
    const tag = JSON.stringify({ Type: 'image', Action: 'tag', Actor: { ID, Attributes: { name: 'a:1' } } });
    const container = JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c' } });
    const got: ImageEvent[] = [];
    for await (const e of decodeEvents(
      chunks(
        tag.slice(0, 10),
        `${tag.slice(10)}\n${container}\n{broken\n`,
        `${JSON.stringify({ status: 'delete', id: ID })}\n`,
      ),
    ))
      got.push(e);
    assert.deepEqual(got, [
      { action: 'tag', id: ID, ref: 'a:1' },
      { action: 'delete', id: ID, ref: null },
    ]);
  });

  it('notices a dropped stream, says so, and re-opens it', async () => {
    let opened = 0;
    const states: Array<string | null> = [];
    const source: EventSource = {
      imageEvents: async () => {
        opened++;
        if (opened === 2) throw new Error('no engine answers');
        return (async function* () {
          yield { action: 'tag', id: ID, ref: 'x' };
        })();
      },
    };
    const events: ImageEvent[] = [];
    await new Promise<void>((resolve) => {
      const w = watchImageEvents(
        source,
        {
          onEvent: (e) => events.push(e),
          onState: (s) => {
            states.push(s);
            if (states.length === 4) {
              w.dispose();
              resolve();
            }
          },
        },
        [1, 1],
      );
    });
    assert.deepEqual(states, [null, 'the engine closed its event stream', 'no engine answers', null]);
    assert.equal(events.length, 1);
    assert.equal(opened, 3);
  });
});
