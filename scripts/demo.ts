// `npm run demo`: builds examples/hello on the local engine (BuildKit, through the Engine API, labelled so the
// report finds it without being told), analyses its layers and prints `dfsize report` for it. Every check goes
// through the project's engine code (no curl, no docker client); a base image the engine already has is used as is.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { resolveEndpoint } from '../server/src/engine/endpoint';
import { EXIT } from '../server/src/cli/errors';
import { DockerodeSource } from '../server/src/engine/dockerode';
import { LABEL_DOCKERFILE } from '../server/src/images/resolve';
import { ensureBusybox } from '../test/support/baseImage';
import { build } from '../test/support/builds';
import { CLI, ROOT } from '../test/support/cli';

const EXAMPLE = join(ROOT, 'examples', 'hello');

async function main(): Promise<number> {
  const endpoint = resolveEndpoint({ env: process.env });
  try {
    const v = await DockerodeSource.connect(endpoint, 5000).version();
    console.log(`engine: ${v.product} ${v.version} at ${endpoint.url}`);
  } catch (e) {
    console.error(
      `demo: ${(e as Error).message} — start Docker, or set DOCKER_HOST (as root on Debian: bash scripts/parts/engine.sh)`,
    );
    return EXIT.engineUnreachable;
  }
  await ensureBusybox();
  const dockerfile = resolve(EXAMPLE, 'Dockerfile');
  console.log('building examples/hello with BuildKit…');
  await build('buildkit', EXAMPLE, 'dfsize-example/hello:latest', { labels: { [LABEL_DOCKERFILE]: dockerfile } });
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'inherit' }).status ?? 4;
  console.log('\n$ dfsize analyze --image dfsize-example/hello:latest');
  const analysed = cli([
    'analyze',
    '--image',
    'dfsize-example/hello:latest',
    '--dockerfile',
    'examples/hello/Dockerfile',
  ]);
  if (analysed !== 0) return analysed;
  console.log('\n$ dfsize report examples/hello/Dockerfile');
  return cli(['report', 'examples/hello/Dockerfile']);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`demo: ${(e as Error).message}`);
    process.exitCode = 4;
  },
);
