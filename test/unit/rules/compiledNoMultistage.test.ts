// compiled-no-multistage: found where the toolchain ships; the two-stage rewrite offered where artifact and runtime are clear.
import { strict as assert } from 'node:assert';
import { df, fixWith, found, only } from '../../support/rules';

const CODE = 'compiled-no-multistage';

describe(`rule ${CODE}`, () => {
  it("fires on each toolchain build in the image's stage", () => {
    for (const cmd of [
      'go build -o /a .',
      'cargo build --release',
      'mvn -B package',
      './gradlew bootJar',
      'npm run build',
      'yarn build',
      'pnpm run build',
      'dotnet publish -c Release -o /app',
    ]) {
      assert.deepEqual(found(df('FROM x', 'COPY . .', `RUN ${cmd}`), {}, CODE), [`${CODE}@3`], cmd);
    }
  });

  it('stays silent in builder stages, and for C built and purged like the official images', () => {
    assert.deepEqual(
      found(df('FROM golang:1.22 AS b', 'RUN go build -o /a .', 'FROM scratch', 'COPY --from=b /a /a'), {}, CODE),
      [],
    );
    assert.deepEqual(
      found(
        df(
          'FROM debian',
          'RUN apt-get update && apt-get install -y gcc make && ./configure && make && make install && apt-get purge -y gcc make',
        ),
        {},
        CODE,
      ),
      [],
    );
    assert.deepEqual(found(df('FROM golang:1.22', 'RUN go version'), {}, CODE), []);
  });

  it('splits a CGO-free Go build onto distroless, moving nothing but adding the runtime stage', () => {
    const t = df(
      'FROM golang:1.22-bookworm',
      'WORKDIR /src',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server',
      '',
      'EXPOSE 8080',
      'ENTRYPOINT ["/usr/local/bin/server"]',
    );
    const f = only(t, CODE)[0]!;
    assert.equal(f.fixes[0]!.preferred, false);
    assert.equal(
      fixWith(t, CODE, {}, 0),
      df(
        'FROM golang:1.22-bookworm AS build',
        'WORKDIR /src',
        'COPY . .',
        'RUN CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server',
        '',
        'FROM gcr.io/distroless/static-debian12',
        'WORKDIR /src',
        'COPY --from=build /usr/local/bin/server /usr/local/bin/server',
        '',
        'EXPOSE 8080',
        'ENTRYPOINT ["/usr/local/bin/server"]',
      ),
    );
  });

  it('uses debian-slim of the suite for cgo, and the same base when the toolchain came from apt', () => {
    const cgo = df('FROM golang:1.22-bullseye', 'RUN go build -o /app .', 'CMD ["/app"]');
    assert.match(fixWith(cgo, CODE, {}, 0), /\nFROM debian:bullseye-slim\nCOPY --from=build \/app \/app\nCMD/);
    const apt = df(
      'ARG BASE=local/debian:bookworm-slim',
      'FROM ${BASE}',
      'RUN apt-get update && apt-get install -y golang-go',
      'COPY . /src',
      'WORKDIR /src',
      'RUN go build -o /usr/local/bin/hello .',
      'CMD ["/usr/local/bin/hello"]',
    );
    assert.equal(
      fixWith(apt, CODE, {}, 0),
      df(
        'ARG BASE=local/debian:bookworm-slim',
        'FROM ${BASE} AS build',
        'RUN apt-get update && apt-get install -y golang-go',
        'COPY . /src',
        'WORKDIR /src',
        'RUN go build -o /usr/local/bin/hello .',
        '',
        'FROM ${BASE}',
        'WORKDIR /src',
        'COPY --from=build /usr/local/bin/hello /usr/local/bin/hello',
        'CMD ["/usr/local/bin/hello"]',
      ),
    );
  });

  it("puts a jar (and the agent an ADD placed) on the JRE of the maven image's Java version", () => {
    const t = df(
      'FROM maven:3.9-eclipse-temurin-21',
      'ENV OTEL=2.4.0',
      'WORKDIR /usr/src/app',
      'ADD https://example.com/agent.jar /opt/otel/',
      'COPY . .',
      'RUN mvn -B package && cp target/*.jar /usr/local/lib/app.jar',
      'ENTRYPOINT ["java", "-javaagent:/opt/otel/agent.jar", "-jar", "/usr/local/lib/app.jar"]',
    );
    assert.equal(
      fixWith(t, CODE, {}, 0),
      df(
        'FROM maven:3.9-eclipse-temurin-21 AS build',
        'ENV OTEL=2.4.0',
        'WORKDIR /usr/src/app',
        'ADD https://example.com/agent.jar /opt/otel/',
        'COPY . .',
        'RUN mvn -B package && cp target/*.jar /usr/local/lib/app.jar',
        '',
        'FROM eclipse-temurin:21-jre',
        'WORKDIR /usr/src/app',
        'COPY --from=build /usr/local/lib/app.jar /usr/local/lib/app.jar',
        'COPY --from=build /opt/otel/agent.jar /opt/otel/agent.jar',
        'ENV OTEL=2.4.0',
        'ENTRYPOINT ["java", "-javaagent:/opt/otel/agent.jar", "-jar", "/usr/local/lib/app.jar"]',
      ),
    );
  });

  it('names the stage so it does not collide, and keeps lower-case keywords', () => {
    const t = df(
      'from alpine AS build',
      'run echo',
      'from golang:1.22-alpine3.20',
      'run CGO_ENABLED=0 go build -o /a .',
      'cmd ["/a"]',
    );
    assert.equal(
      fixWith(t, CODE, {}, 0),
      df(
        'from alpine AS build',
        'run echo',
        'from golang:1.22-alpine3.20 as builder',
        'run CGO_ENABLED=0 go build -o /a .',
        '',
        'from alpine:3.20',
        'copy --from=builder /a /a',
        'cmd ["/a"]',
      ),
    );
  });

  for (const [why, tail] of [
    ['the output is not named', ['RUN go build .', 'CMD ["/go/bin/app"]']],
    ['CMD is in shell form', ['RUN go build -o /a .', 'CMD /a']],
    [
      'CMD names a file the rewrite cannot account for',
      ['RUN go build -o /a .', 'CMD ["/a", "--config", "/etc/app.yaml"]'],
    ],
    ['a RUN follows the build', ['RUN go build -o /a .', 'RUN /a --selftest', 'CMD ["/a"]']],
    ['a named USER follows', ['RUN go build -o /a .', 'USER app', 'CMD ["/a"]']],
    ['there is no CMD or ENTRYPOINT', ['RUN go build -o /a .']],
    [
      'a Node build (front end or server: the file does not say)',
      ['RUN npm run build', 'CMD ["node", "dist/main.js"]'],
    ],
  ] as const) {
    it(`offers no fix when ${why}`, () => {
      assert.equal(only(df('FROM golang:1.22', 'COPY . .', ...tail), CODE)[0]!.fixes.length, 0);
    });
  }

  it('applying the fix leaves no finding (the build stage no longer ships)', () => {
    const t = df('FROM golang:1.22', 'COPY . .', 'RUN CGO_ENABLED=0 go build -o /a .', 'CMD ["/a"]');
    const fixed = fixWith(t, CODE, {}, 0);
    assert.deepEqual(found(fixed, {}, CODE), []);
    assert.deepEqual(found(fixed, {}, 'large-base-image'), []);
  });
});
