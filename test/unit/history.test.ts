// CreatedBy forms from the documented strings (BuildKit's dockerfile2llb: heredocs, COPY --link/--chmod/--chown in
// newer frontends, WORKDIR /; kaniko's raw text), and the builder detection. The same BuildKit forms as Docker 28
// records them are replayed from real recordings in modernEngine.test.ts.
import { strict as assert } from 'node:assert';
import { parseDockerfile } from '../../server/src/core/dockerfile';
import {
  detectBuilder,
  normaliseRow,
  parseStrings,
  rowBuilder,
  shellPrefixes,
  type HistoryRow,
} from '../../server/src/core/history';
import { matchHistory } from '../../server/src/core/match';

function row(
  createdBy: string,
  sizeBytes = 0,
  comment = '',
  created: string | null = '2026-01-01T00:00:00.000Z',
): HistoryRow {
  return { createdBy, sizeBytes, created, comment, id: null, emptyLayer: null };
}
const bk = (createdBy: string, size = 0) => row(createdBy, size, 'buildkit.dockerfile.v0');
const base = row('/bin/sh -c #(nop) ADD file:abc in / ', 5_000_000, '', '2020-01-01T00:00:00.000Z');

/** Matches `dockerfile` against `rows` after a one-row base and returns status and size per line (1-based). */
function statuses(dockerfile: string, rows: HistoryRow[]): Record<number, string> {
  const model = parseDockerfile(dockerfile);
  const result = matchHistory(model, { history: [base, ...rows], layers: [] }, { baseRows: 1 });
  const out: Record<number, string> = {};
  model.instructions.forEach((i, k) => {
    const m = result.instructions[k]!;
    out[i.range.start.line + 1] = `${m.status}${m.layerBytes === null ? '' : ` ${m.layerBytes}`}`;
  });
  return out;
}

describe('history: rows → instructions', () => {
  const shells = shellPrefixes();

  it('legacy: build args, shell prefix, #(nop) with one or two spaces, COPY sources lost', () => {
    assert.deepEqual(normaliseRow(row('|2 A=1 B=two words /bin/sh -c make all'), shells), {
      keyword: 'RUN',
      args: 'make all',
      sourcesLost: false,
      builder: 'legacy',
    });
    assert.equal(normaliseRow(row('/bin/sh -c #(nop)  ENV A=b'), shells).args, 'A=b');
    assert.equal(normaliseRow(row('/bin/sh -c #(nop) WORKDIR /app'), shells).keyword, 'WORKDIR');
    const copy = normaliseRow(row('/bin/sh -c #(nop) COPY --chown=1:1file:0123abcd in /app/ '), shells);
    assert.deepEqual(copy, { keyword: 'COPY', args: '/app/', sourcesLost: true, builder: 'legacy' });
  });

  it('BuildKit: keyword first, `# buildkit` suffix, build args in declaration order', () => {
    const r = normaliseRow(bk('RUN |2 B=2 A=1 /bin/sh -c apt-get update # buildkit'), shells);
    assert.deepEqual(r, { keyword: 'RUN', args: 'apt-get update', sourcesLost: false, builder: 'buildkit' });
    assert.equal(
      normaliseRow(bk('COPY --chown=1:1 --chmod=644 a b /dst/ # buildkit'), shells).args,
      '--chown=1:1 --chmod=644 a b /dst/',
    );
  });

  it('Podman: exec-form RUN and --mount kept after the shell', () => {
    const p = (s: string) => row(s, 0, 'FROM docker.io/library/debian:bookworm');
    assert.equal(normaliseRow(p('/bin/sh -c ["/bin/sh", "-c", "echo hi"]'), shells).args, 'echo hi');
    assert.equal(
      normaliseRow(p('/bin/sh -c --mount=type=cache,target=/root/.cache pip install x'), shells).args,
      'pip install x',
    );
    assert.equal(rowBuilder(p('/bin/sh -c #(nop) ARG NAME SIZE')), 'podman');
  });

  it('kaniko: raw instruction text and the zero date', () => {
    const k = row('ADD README.md /somefile.txt', 2187, '', '0001-01-01T00:00:00Z');
    assert.equal(rowBuilder(k), 'kaniko');
    assert.deepEqual(normaliseRow(k, shells), {
      keyword: 'ADD',
      args: 'README.md /somefile.txt',
      sourcesLost: false,
      builder: 'kaniko',
    });
  });

  it('an imported base row (no CreatedBy) belongs to no builder', () => {
    assert.equal(rowBuilder(row('', 1000, 'Imported from -')), null);
    assert.equal(normaliseRow(row(''), shells).keyword, null);
    assert.equal(detectBuilder([row(''), bk('RUN /bin/sh -c x # buildkit')]), 'buildkit');
    assert.equal(detectBuilder([row('')]), 'unknown');
  });

  it('rows with very long runs of blanks normalise in linear time (no backtracking regex)', () => {
    const blanks = ' '.repeat(300_000);
    assert.equal(normaliseRow(row(`/bin/sh -c #(nop) ${blanks}ENV A=b`), shells).args, 'A=b');
    assert.equal(normaliseRow(row(`/bin/sh -c echo "${blanks}"`), shells).keyword, 'RUN');
  });

  it("Go's %q and %v forms of lists", () => {
    assert.deepEqual(parseStrings('["/bin/sh" "-c" "echo \\"hi\\""]'), ['/bin/sh', '-c', 'echo "hi"']);
    assert.deepEqual(parseStrings('[/data /logs]'), ['/data', '/logs']);
    assert.deepEqual(parseStrings('["a", "b"]'), ['a', 'b']);
    assert.equal(parseStrings('not a list'), null);
  });
});

describe('history: documented BuildKit forms this engine cannot build', () => {
  it('RUN <<EOF: the body run by the shell', () => {
    const df = 'FROM x\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n';
    assert.equal(
      statuses(df, [bk('RUN /bin/sh -c apt-get update\napt-get install -y curl\n # buildkit', 4000)])[2],
      'matched 4000',
    );
    assert.equal(
      statuses(df, [bk('RUN /bin/sh -c apt-get update\napt-get install -y wget\n # buildkit', 4000)])[2],
      'stale 4000',
    );
  });

  it('RUN <<EOF with a shebang: the body is lost (/dev/pipes/EOF)', () => {
    const df = 'FROM x\nRUN <<EOF\n#!/bin/bash\necho hi > /x\nEOF\n';
    assert.equal(statuses(df, [bk('RUN /dev/pipes/EOF # buildkit', 3)])[2], 'matched 3');
  });

  it('a command with a heredoc: command, body and delimiter', () => {
    const df = 'FROM x\nRUN cat <<EOT > /etc/motd\nhello\nEOT\n';
    assert.equal(statuses(df, [bk('RUN /bin/sh -c cat <<EOT > /etc/motd\nhello\nEOT # buildkit', 6)])[2], 'matched 6');
  });

  it('COPY <<EOF /dst and COPY --link (flag not recorded), COPY --chmod/--chown (recorded by newer frontends)', () => {
    const df =
      'FROM x\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nCOPY --link a.txt /a/\nCOPY --chmod=755 --chown=1:1 run.sh /run.sh\n';
    const s = statuses(df, [
      bk('COPY <<EOF /etc/app.conf # buildkit', 10),
      bk('COPY a.txt /a/ # buildkit', 20),
      bk('COPY --chown=1:1 --chmod=755 run.sh /run.sh # buildkit', 30),
    ]);
    assert.equal(s[2], 'matched 10');
    assert.equal(s[5], 'matched 20');
    assert.equal(s[6], 'matched 30');
  });

  it('WORKDIR / makes no layer; RUN --mount flags are not recorded', () => {
    const df = 'FROM x\nWORKDIR /\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n';
    const s = statuses(df, [bk('WORKDIR /'), bk('RUN /bin/sh -c apt-get update # buildkit', 99)]);
    assert.equal(s[3], 'matched 99');
  });
});

describe('history: kaniko', () => {
  it('metadata instructions have no rows and are not stale', () => {
    const df = 'FROM x\nENV A=1\nADD README.md /somefile.txt\nLABEL a=b\nRUN mkdir -p /root/x\nCMD ["sh"]\n';
    const k = (s: string, size: number) => row(s, size, '', '0001-01-01T00:00:00Z');
    const s = statuses(df, [k('ADD README.md /somefile.txt', 2187), k('RUN mkdir -p /root/x', 0)]);
    assert.deepEqual(s, {
      1: 'base 5000000',
      2: 'metadata',
      3: 'matched 2187',
      4: 'metadata',
      5: 'matched 0',
      6: 'metadata',
    });
  });
});
