// copy-all-before-deps: the manifests copied first, the install moved up, the rest copied after.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'copy-all-before-deps';

describe(`rule ${CODE}`, () => {
  it("fires on COPY . before each ecosystem's install", () => {
    for (const cmd of [
      'npm ci',
      'yarn install --frozen-lockfile',
      'yarn',
      'pnpm install',
      'pip install -r requirements.txt',
      'poetry install',
      'pipenv install --deploy',
      'go mod download',
      'cargo build --release',
      'mvn -B package',
      'gradle build',
    ]) {
      assert.deepEqual(found(df('FROM x', 'WORKDIR /app', 'COPY . .', `RUN ${cmd}`), {}, CODE), [`${CODE}@3`], cmd);
    }
  });

  it('stays silent when the install ran before the COPY, or there is none', () => {
    assert.deepEqual(
      found(
        df('FROM x', 'COPY go.mod go.sum ./', 'RUN go mod download', 'COPY . .', 'RUN go build -o /app .'),
        {},
        CODE,
      ),
      [],
    );
    assert.deepEqual(found(df('FROM x', 'COPY . .', 'RUN make'), {}, CODE), []);
    assert.deepEqual(found(df('FROM x', 'COPY src/ ./src/', 'RUN npm ci'), {}, CODE), []);
    assert.deepEqual(found(df('FROM x', 'COPY --from=build /app .', 'RUN npm ci'), {}, CODE), []);
  });

  it('moves a pip install behind its requirements file (preferred)', () => {
    const t = df(
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY --chown=app:app . .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'CMD ["python", "app.py"]',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM python:3.12-slim',
        'WORKDIR /app',
        'COPY --chown=app:app requirements.txt ./',
        'RUN pip install --no-cache-dir -r requirements.txt',
        'COPY --chown=app:app . .',
        'CMD ["python", "app.py"]',
      ),
    );
  });

  it("copies a nested requirement file's folder, and exact manifests when the context is known", () => {
    const t = df(
      'FROM p',
      'WORKDIR /app',
      'COPY . /app',
      'RUN pip install -r requirements/prod.txt -c constraints.txt',
    );
    assert.equal(
      fixWith(t, CODE),
      df(
        'FROM p',
        'WORKDIR /app',
        'COPY requirements/ constraints.txt /app/',
        'RUN pip install -r requirements/prod.txt -c constraints.txt',
        'COPY . /app',
      ),
    );
    const npm = df('FROM n', 'WORKDIR /app', 'COPY . .', 'RUN npm ci');
    assert.equal(only(npm, CODE)[0]!.fixes[0]!.preferred, false);
    const buildContext = {
      files: [
        { path: 'package.json', bytes: 1 },
        { path: 'package-lock.json', bytes: 1 },
        { path: 'src/a.js', bytes: 1 },
      ],
      dockerignore: null,
    };
    assert.equal(
      fixWith(npm, CODE, { buildContext }, 0),
      df('FROM n', 'WORKDIR /app', 'COPY package.json package-lock.json ./', 'RUN npm ci', 'COPY . .'),
    );
    assert.equal(
      fixWith(npm, CODE, {}, 0),
      df('FROM n', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci', 'COPY . .'),
    );
    assert.equal(
      fixWith(df('FROM g', 'WORKDIR /src', 'COPY . .', 'RUN go mod download'), CODE),
      df('FROM g', 'WORKDIR /src', 'COPY go.mod go.sum* ./', 'RUN go mod download', 'COPY . .'),
    );
  });

  for (const [why, lines] of [
    ['the install also builds', ['COPY . .', 'RUN npm ci && npm run build']],
    ['pip installs the project itself', ['COPY . .', 'RUN pip install -r requirements.txt .']],
    ['something that changes the RUN sits between', ['COPY . .', 'ENV A=1', 'RUN pip install -r r.txt']],
    ['the files land elsewhere than the RUN runs', ['COPY . /src', 'RUN pip install -r r.txt']],
    ['cargo compiles the sources', ['COPY . .', 'RUN cargo build --release']],
    ['poetry installs the project', ['COPY . .', 'RUN poetry install']],
    ['the manifest is not in the known context', ['COPY . .', 'RUN pip install -r r.txt']],
  ] as const) {
    it(`offers no fix when ${why}`, () => {
      const over = why.includes('context')
        ? { buildContext: { files: [{ path: 'app.py', bytes: 1 }], dockerignore: null } }
        : {};
      assert.equal(only(df('FROM x', 'WORKDIR /app', ...lines), CODE, over)[0]!.fixes.length, 0);
    });
  }

  it('is idempotent', () =>
    assertIdempotent(df('FROM p', 'WORKDIR /app', 'COPY . .', 'RUN pip install -r requirements.txt'), CODE));
});
