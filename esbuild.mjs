// One bundler for everything that ships: the VS Code client, the language server and the CLI.
//   node esbuild.mjs            build once (minified, with linked source maps that are not packaged)
// The server and the CLI start with --enable-source-maps (their shebang; the client passes it when it starts the
// server), so the stack of an internal error names lines of the TypeScript sources, not of the minified bundle.
//   node esbuild.mjs --watch    rebuild on change
// dockerode is bundled. Two of its run-time needs are handled here: it loads .proto files from `__dirname/proto`
// (BuildKit sessions and status decoding), so they are copied beside the server bundle; ssh2 tries an optional
// native addon inside a try/catch, so `*.node` stays external and ssh2 falls back to pure JS.
// The two bins (`dfsize`, `dfsize-langserver`) keep their run bit after every build, so `npx dfsize` runs from a clone.
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  define: { DFSIZE_VERSION: JSON.stringify(version) },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  // Lines and names are all a stack needs; the sources' text would triple the maps.
  sourcesContent: false,
  logLevel: 'warning',
  external: ['*.node'],
};

/** A bundle run as a command: its shebang, and the run bit set again after each (re)build. */
const EXECUTABLE = 0o755;
function bin(outfile) {
  const runBit = {
    name: 'run-bit',
    setup: (b) =>
      b.onEnd((r) => {
        if (r.errors.length === 0) chmodSync(outfile, EXECUTABLE);
      }),
  };
  return { outfile, banner: { js: '#!/usr/bin/env -S node --enable-source-maps' }, plugins: [runBit] };
}

// undici has a bundle of its own beside the server's, loaded only when a registry needs it (registry/transport.ts).
const server = { external: ['*.node', 'undici'] };
const builds = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'client/out/extension.js', external: ['vscode', '*.node'] },
  { entryPoints: ['server/src/server.ts'], ...server, ...bin('server/out/server.js') },
  { entryPoints: ['server/src/cli.ts'], ...server, ...bin('server/out/cli.js') },
  { entryPoints: ['server/src/registry/undiciAgent.ts'], outfile: 'server/out/undici-agent.js' },
];

function copyProtos() {
  const from = join(dirname(require.resolve('dockerode/package.json')), 'lib', 'proto');
  const to = 'server/out/proto';
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}

copyProtos();
if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b, metafile: true })));
  for (const r of results) {
    for (const [file, meta] of Object.entries(r.metafile.outputs)) {
      if (file.endsWith('.js')) console.log(`${file.padEnd(28)} ${(meta.bytes / 1024).toFixed(0).padStart(6)} KiB`);
    }
  }
}
