// Discovery on a busy engine, over histories recorded from real builds: the image built from the Dockerfile is older
// than the 300 images made after it (a rebuild from the cache keeps its date). It is found by the wider search, or
// first when an event says it was just built or tagged; when the search stops at its deadline the message says what
// was compared and names the setting (or the CLI's variable) and Select Image — never "build it" while images were
// left out.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import type { HistoryRow, ImageInfo } from '../../server/src/core/history';
import { CLI_HINTS } from '../../server/src/cli/image';
import { RecentImages } from '../../server/src/engine/events';
import type { ImageSource, ImageSummary } from '../../server/src/engine/source';
import { discoverImage, ScoreCache, scoreImages, type DiscoveryOptions } from '../../server/src/images/resolve';
import { loadRecording } from '../support/recorded';

const TARGET = loadRecording('legacy', 'multistage-copy');
const OTHER = loadRecording('legacy', 'forms');
const model = parseDockerfile(TARGET.dockerfile);
const idOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** The target image, built long ago, and `others` images built after it from another Dockerfile. */
class BusyEngine implements ImageSource {
  readonly endpoint = 'recorded://busy';
  readonly histories: string[] = [];
  readonly images: Array<ImageSummary & { refs: string[] }>;
  constructor(
    others: number,
    private readonly clock: { now: number; perHistoryMs: number },
    target = true,
  ) {
    this.images = Array.from({ length: others }, (_, k) => ({
      id: idOf(k + 1),
      refs: [`other/img:${k}`],
      created: 2000 + k,
      sizeBytes: 1,
      labels: {},
    }));
    if (target)
      this.images.push({
        id: TARGET.info.id,
        refs: ['app/web:old'],
        created: 1000,
        sizeBytes: TARGET.info.sizeBytes,
        labels: {},
      });
  }
  async version() {
    return { product: 'docker' as const, version: '20.10', apiVersion: '1.41' };
  }
  async list() {
    return this.images;
  }
  async inspect(ref: string) {
    const info: ImageInfo = ref === TARGET.info.id ? TARGET.info : { ...OTHER.info, id: ref };
    const { history: _history, ...details } = info;
    return details;
  }
  async history(ref: string): Promise<HistoryRow[]> {
    this.histories.push(ref);
    this.clock.now += this.clock.perHistoryMs;
    return [...(ref === TARGET.info.id ? TARGET.info.history : OTHER.info.history)];
  }
  async export(): Promise<NodeJS.ReadableStream> {
    throw new Error('discovery exports nothing');
  }
}

function discover(engine: BusyEngine, clock: { now: number }, extra: Partial<DiscoveryOptions> = {}) {
  return discoverImage(engine, model, null, { maxImages: 200, now: () => clock.now, ...extra });
}

describe('discovery on a busy engine (recorded histories)', () => {
  it('the image older than the 200 newest is found by the wider search, and says so', async () => {
    const clock = { now: 0, perHistoryMs: 5 };
    const engine = new BusyEngine(300, clock);
    const found = await discover(engine, clock);
    assert.ok(!('none' in found));
    assert.equal(found.info.id, TARGET.info.id);
    assert.equal(found.ref, 'app/web:old');
    assert.equal(found.reason, 'history matches 100% (older than the 200 newest images: found by the wider search)');
    assert.equal(engine.histories.indexOf(TARGET.info.id), 300, 'the oldest: compared after all the others');
  });

  it('an image an event says was just tagged is compared first, under the tag the event named', async () => {
    const clock = { now: 0, perHistoryMs: 5 };
    const engine = new BusyEngine(300, clock);
    engine.images.at(-1)!.refs.push('app/web:latest');
    const recent = new RecentImages();
    recent.note({ action: 'tag', id: TARGET.info.id, ref: 'app/web:latest' });
    const found = await discover(engine, clock, { recent: recent.list() });
    assert.ok(!('none' in found));
    assert.equal(found.ref, 'app/web:latest');
    assert.equal(found.reason, 'history matches 100% (built or tagged lately)');
    assert.equal(engine.histories[0], TARGET.info.id);
    assert.ok(
      !engine.histories.some((id) => id !== TARGET.info.id && engine.images.some((i) => i.id === id)),
      'no other image compared',
    );
  });

  it('a search stopped at its deadline says what it compared, names the setting and Select Image, and does not say "build it"', async () => {
    const clock = { now: 0, perHistoryMs: 100 };
    const engine = new BusyEngine(400, clock);
    const r = await discover(engine, clock, { widerSearchMs: 5000 });
    assert.ok('none' in r);
    assert.equal(
      r.none,
      'none of the 250 images compared (the 200 first by date or recent build, then 50 more in 5.0 s; 151 of 401 not compared) ' +
        'was built from this Dockerfile: raise dockerfileSize.discovery.maxImages to compare more, or choose its image with Select Image',
    );
  });

  it("the CLI's words: its variable and --image", async () => {
    const clock = { now: 0, perHistoryMs: 100 };
    const r = await discover(new BusyEngine(400, clock), clock, { widerSearchMs: 0, hints: CLI_HINTS });
    assert.ok('none' in r);
    assert.match(
      r.none,
      /^none of the 200 images compared \(the 200 first by date or recent build; 201 of 401 not compared\) .*raise DFSIZE_MAX_IMAGES to compare more, or name its image with --image REF$/,
    );
  });

  it('every image compared and none built from the file: then "build it" is the advice', async () => {
    const clock = { now: 0, perHistoryMs: 1 };
    const r = await discover(new BusyEngine(300, clock, false), clock);
    assert.ok('none' in r);
    assert.equal(
      r.none,
      'none of the 300 images on the engine was built from this Dockerfile (all compared): build it, or choose its image with Select Image',
    );
  });

  it('the Select Image list holds the image in use and the recent ones, whatever their date', async () => {
    const clock = { now: 0, perHistoryMs: 0 };
    const engine = new BusyEngine(300, clock);
    const scored = await scoreImages(engine, model, engine.images, 200, new ScoreCache(), [
      { id: TARGET.info.id, ref: null },
    ]);
    assert.equal(scored.length, 201);
    assert.deepEqual(scored[0], { image: engine.images.at(-1), score: 1 });
  });
});

describe('RecentImages', () => {
  it('keeps what made an image or moved a tag, newest first, once each, at most its bound', () => {
    const recent = new RecentImages(3);
    for (const [action, id, ref] of [
      ['tag', 'a', 'x:1'],
      ['delete', 'b', null],
      ['untag', 'c', null],
      ['import', 'd', null],
      ['load', 'e', 'y:2'],
      ['tag', 'a', 'x:1'],
      ['build', 'f', null],
    ] as const)
      recent.note({ action, id, ref });
    assert.deepEqual(recent.list(), [
      { id: 'f', ref: null },
      { id: 'a', ref: 'x:1' },
      { id: 'e', ref: 'y:2' },
    ]);
  });
});
