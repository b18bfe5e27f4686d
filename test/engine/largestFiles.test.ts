// "Largest files" (the explorer's lists, the hover's largest paths) hold regular files only, as dive's file list sizes
// them: a symlink weighs 0 B in dive (its tar size), so busybox's applet links are no "largest" files. Checked against
// real dive's export of the same image on the real engine.
import { strict as assert } from 'node:assert';
import { analyzeImage } from '../../server/src/analysis/analyze';
import { DockerodeSource } from '../../server/src/engine/dockerode';
import { LARGEST_FILES, largestNodes } from '../../server/src/explorer/fileNodes';
import { BUSYBOX, ensureBusybox } from '../support/baseImage';
import { DOCKER_SOCKET } from '../support/builds';
import { diveExport, needDive } from '../support/dive';
import { needEngine } from '../support/engine';

type Row = readonly [path: string, bytes: number];
const order = (a: Row, b: Row) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

describe('engine: largest files are regular files, as in dive', function () {
  this.timeout(300000);
  before(async function () {
    await needEngine(this, 'docker');
    needDive(this);
    await ensureBusybox();
  });

  it("busybox's largest files: dive's regular files by size, no applet link among them", async () => {
    const dive = diveExport({ source: 'docker', target: BUSYBOX });
    assert.ok(!('refused' in dive), 'refused' in dive ? dive.refused : '');
    const list = dive.layer[0]?.fileList ?? [];
    const files = list.filter((f) => (f.typeFlag === 48 || f.typeFlag === 0) && Number(f.size) > 0);
    const links = list.filter((f) => f.typeFlag === 50);
    assert.ok(links.length > 100, `busybox's applets are symlinks here (${links.length})`);
    const expected = files
      .map((f): Row => [`/${String(f.path)}`, Number(f.size)])
      .sort(order)
      .slice(0, LARGEST_FILES);

    const engine = DockerodeSource.connect(
      { kind: 'socket', url: `unix://${DOCKER_SOCKET}`, socketPath: DOCKER_SOCKET },
      30000,
    );
    const { analysis, contents } = await analyzeImage({ engine, image: BUSYBOX });
    assert.ok(contents, 'the layers were read');
    const shown = largestNodes({ ready: true, contents, analysis }, 'busybox', [], 0).nodes;
    const got = shown.map((n): Row => [n.label, n.sizeBytes ?? -1]).sort(order);
    assert.deepEqual(got, expected);
  });
});
