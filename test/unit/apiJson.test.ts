// The engine adapter's boundary (engine/apiJson): answers of the wrong shape are one ApiShapeError naming the field,
// dates no Date can hold are unknown, and no control character from the engine reaches the product's types.
import { strict as assert } from 'node:assert';
import { ApiShapeError, detailsFromApi, historyFromApi, summariesFromApi } from '../../server/src/engine/apiJson';

const ESC = '\u001b[2J\u001b[H';

describe('engine answers at the boundary', () => {
  it('names, tags, labels and commands lose their control characters; a command keeps its line breaks', () => {
    const d = detailsFromApi(
      {
        Id: 'sha256:ab',
        RepoTags: [`evil${ESC}:1`],
        Config: { Labels: { [`k${ESC}`]: `v\u0007${ESC}` }, Cmd: [`sh${ESC}`] },
      },
      'layer-tar',
    );
    assert.deepEqual(d.refs, ['evil[2J[H:1']);
    assert.deepEqual(d.labels, { 'k[2J[H': 'v[2J[H' });
    assert.deepEqual(d.config.cmd, ['sh[2J[H']);
    const [row] = historyFromApi([{ Id: '<missing>', Created: 1, CreatedBy: `RUN a \\\n\tb${ESC}`, Size: 3 }]);
    assert.equal(row!.createdBy, 'RUN a \\\n\tb[2J[H');
    assert.equal(row!.id, null);
  });

  it('Created past what a Date holds (1e20) is an unknown date, not "Invalid time value"', () => {
    assert.equal(historyFromApi([{ Id: 'x', Created: 1e20, CreatedBy: '', Size: 0 }])[0]!.created, null);
    assert.equal(summariesFromApi([{ Id: 'sha256:ab', Created: 1e20, Size: 1 }])[0]!.created, 0);
  });

  const wrong: Array<[string, () => unknown, RegExp]> = [
    ['an image list that is an object', () => summariesFromApi({ images: [] }), /^the image list is not a JSON array$/],
    ['an image without an Id', () => summariesFromApi([{ Size: 1 }]), /^image 1 of the list has no Id$/],
    [
      'a label value that is a number',
      () => summariesFromApi([{ Id: 'a', Labels: { a: 1 } }]),
      /the label "a" is a number, not a string/,
    ],
    [
      'RepoTags holding null',
      () => detailsFromApi({ Id: 'a', RepoTags: [null] }, 'layer-tar'),
      /RepoTags\[0\] is a null, not a string/,
    ],
    ['a Size that is a string', () => historyFromApi([{ Id: 'a', Size: '12' }]), /history row 1: Size is not a number/],
    ['an inspect answer that is an array', () => detailsFromApi([], 'layer-tar'), /^the image is not a JSON object$/],
  ];
  for (const [what, run, re] of wrong) {
    it(`${what}: one ApiShapeError line`, () => {
      assert.throws(run, (e: unknown) => e instanceof ApiShapeError && re.test(e.message) && !e.message.includes('\n'));
    });
  }
});
