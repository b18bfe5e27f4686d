// large-base-image: the variant table, sizes from where they were measured, and switches only where they are safe.
import { strict as assert } from 'node:assert';
import { smallerVariants } from '../../../server/src/core/rules/baseImages';
import { assertIdempotent, df, fixWith, found, only } from '../../support/rules';

const CODE = 'large-base-image';

describe(`rule ${CODE}`, () => {
  it("knows the smaller variant of each family, in each family's tag scheme", () => {
    const first = (ref: string) => smallerVariants(ref)[0]?.tag ?? null;
    assert.equal(first('node:20'), 'node:20-slim');
    assert.equal(first('node:20-bookworm'), 'node:20-bookworm-slim');
    assert.equal(first('node'), 'node:slim');
    assert.equal(first('python:3.12'), 'python:3.12-slim');
    assert.equal(first('python:3.12-bookworm'), 'python:3.12-slim-bookworm');
    assert.equal(first('docker.io/library/ruby:3.3'), 'docker.io/library/ruby:3.3-slim');
    assert.equal(first('rust:1.78-bookworm'), 'rust:1.78-slim-bookworm');
    assert.equal(first('golang:1.22-bookworm'), 'golang:1.22-alpine');
    assert.equal(first('eclipse-temurin:21-jdk-jammy'), 'eclipse-temurin:21-jre-jammy');
    assert.equal(first('eclipse-temurin:21'), 'eclipse-temurin:21-jre');
    assert.equal(first('maven:3.9-eclipse-temurin-21'), 'eclipse-temurin:21-jre');
    assert.equal(first('gradle:8.8-jdk17'), 'eclipse-temurin:17-jre');
    assert.equal(first('openjdk:21'), 'eclipse-temurin:21-jre');
    assert.equal(first('php:8.3-fpm'), 'php:8.3-fpm-alpine');
    assert.equal(first('debian:bookworm'), 'debian:bookworm-slim');
    assert.equal(first('debian:12'), 'debian:12-slim');
    assert.equal(first('mcr.microsoft.com/dotnet/sdk:8.0'), 'mcr.microsoft.com/dotnet/aspnet:8.0');
    for (const small of [
      'node:20-slim',
      'node:20-alpine',
      'python:3.12-slim-bookworm',
      'debian:bookworm-slim',
      'eclipse-temurin:21-jre',
      'ubuntu:22.04',
      'acme/node:20',
      'node:20@sha256:' + 'a'.repeat(64),
      'php:8.3-apache',
      'alpine:3.20',
      'rockylinux:9-minimal',
    ]) {
      assert.equal(first(small), null, small);
    }
  });

  it("fires on the base of the image's chain only, with table sizes and their date", () => {
    const f = only(df('FROM node:20', 'CMD ["node", "server.js"]'), CODE)[0]!;
    assert.equal(f.range.start.line, 0);
    assert.equal(f.severity, 'warning');
    assert.equal(f.savingsBytes, null);
    assert.match(
      f.message,
      /node:20 \(1\.1 GB\) is a large base image: node:20-slim \(200 MB\) is smaller; sizes from the table of 2024-06 \(Docker Hub, linux\/amd64\)/,
    );
    assert.match(f.message, /node:20-alpine is smaller still but uses musl libc/);
    assert.deepEqual(
      found(
        df(
          'FROM golang:1.22 AS build',
          'RUN go build -o /app .',
          'FROM gcr.io/distroless/static',
          'COPY --from=build /app /app',
        ),
        {},
        CODE,
      ),
      [],
    );
    assert.deepEqual(found(df('FROM ubuntu:22.04', 'CMD ["bash"]'), {}, CODE), []);
  });

  it('uses measured sizes when both are known, and their saving decides the severity', () => {
    const t = df('FROM debian:bookworm', 'CMD ["bash"]');
    const engine = only(t, CODE, {
      imageSizes: new Map([
        ['debian:bookworm', 116_000_000],
        ['debian:bookworm-slim', 74_800_000],
      ]),
      imageSizesFrom: 'engine',
    })[0]!;
    assert.equal(engine.savingsBytes, 41_200_000);
    assert.match(
      engine.message,
      /debian:bookworm \(116 MB\) is a large base image: debian:bookworm-slim \(74\.8 MB\) is smaller; sizes from the engine/,
    );
    const registry = only(t, CODE, {
      imageSizes: new Map([
        ['debian:bookworm', 50e6],
        ['debian:bookworm-slim', 29e6],
      ]),
      imageSizesFrom: 'registry',
    })[0]!;
    assert.match(registry.message, /sizes compressed, from the registry\./);
    const hub = only(t, CODE, {
      imageSizes: new Map([
        ['debian:bookworm', 116_000_000],
        ['debian:bookworm-slim', 74_800_000],
      ]),
      imageSizesFrom: 'analysis',
      imageSizesRegistry: 'registry-1.docker.io',
    })[0]!;
    assert.match(hub.message, /sizes uncompressed, from the cached layer analyses of Docker Hub's images\./);
    const tiny = only(t, CODE, {
      imageSizes: new Map([
        ['debian:bookworm', 1_000_100],
        ['debian:bookworm-slim', 1_000_000],
      ]),
      minBytes: 1000,
    })[0]!;
    assert.equal(tiny.severity, 'hint');
  });

  it('switches the tag, keeping ARG variables in the reference', () => {
    assert.equal(
      fixWith(df('ARG V=3.12', 'FROM python:${V}', 'CMD ["python", "app.py"]'), CODE),
      df('ARG V=3.12', 'FROM python:${V}-slim', 'CMD ["python", "app.py"]'),
    );
    assert.equal(
      fixWith(df('FROM --platform=linux/amd64 debian:bookworm AS base', 'CMD ["bash"]'), CODE),
      df('FROM --platform=linux/amd64 debian:bookworm-slim AS base', 'CMD ["bash"]'),
    );
    assert.equal(
      fixWith(
        df('FROM mcr.microsoft.com/dotnet/sdk:8.0', 'COPY out/ /app/', 'ENTRYPOINT ["dotnet", "/app/App.dll"]'),
        CODE,
      ),
      df('FROM mcr.microsoft.com/dotnet/aspnet:8.0', 'COPY out/ /app/', 'ENTRYPOINT ["dotnet", "/app/App.dll"]'),
    );
  });

  it('offers no switch the stage could break on; alpine and other vendors are never preferred', () => {
    assert.equal(only(df('FROM node:20', 'COPY . .', 'RUN npm ci', 'CMD ["node", "s.js"]'), CODE)[0]!.fixes.length, 0);
    assert.equal(
      only(df('FROM python:3.12', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc'), CODE)[0]!
        .fixes.length,
      0,
    );
    assert.equal(only(df('FROM eclipse-temurin:21', 'RUN javac Main.java'), CODE)[0]!.fixes.length, 0);
    const fixes = only(df('FROM node:20', 'COPY . .', 'CMD ["node", "s.js"]'), CODE)[0]!.fixes;
    assert.deepEqual(
      fixes.map((f) => [f.title, f.preferred]),
      [
        ['Switch the base to node:20-slim', true],
        ['Switch the base to node:20-alpine (musl libc)', false],
      ],
    );
    assert.deepEqual(
      only(df('FROM golang:1.22', 'COPY . .', 'RUN go build -o /a .'), CODE)[0]!.fixes.map((f) => f.preferred),
      [false],
    );
    assert.deepEqual(
      only(df('FROM openjdk:21', 'COPY app.jar /app.jar', 'CMD ["java", "-jar", "/app.jar"]'), CODE)[0]!.fixes.map(
        (f) => f.preferred,
      ),
      [false],
    );
  });

  it('is idempotent', () => assertIdempotent(df('FROM debian:bookworm', 'CMD ["bash"]'), CODE));
});
