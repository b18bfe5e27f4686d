// Where `dfsize analyze --archive FILE` spends its time: the CLI bundled unminified (so that every function keeps its
// name and esbuild's `// node_modules/<pkg>/<file>` markers say which package each line is from), run under
// `node --cpu-prof`, and the profile summed by self time per package (or project folder) and per function.
// Usage: npx tsx bench/profile.ts ARCHIVE [--top N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = join(__dirname, '..');
/** esbuild's marker above each module's code: `// server/src/engine/x.ts` or `// …/node_modules/pkg/file.js`. */
const SOURCE_MARKER = /^\/\/ (?:.*node_modules\/((?:@[^/]+\/)?[^/]+)\/|(server\/src\/\S+\.ts)$)/;

/** For each line of the bundle, where it came from: an npm package, a project folder, or Node itself. */
function originsOf(bundle: string): string[] {
  const origins: string[] = [];
  let current = '(bundle)';
  for (const line of readFileSync(bundle, 'utf8').split('\n')) {
    const m = SOURCE_MARKER.exec(line);
    if (m) current = m[1] ?? m[2] ?? current;
    origins.push(current);
  }
  return origins;
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
}

function summarise(profile: Profile, bundle: string, n: number): string {
  const origins = originsOf(bundle);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    total += us;
    const origin = f.url.endsWith('cli.js') ? (origins[f.lineNumber] ?? '(bundle)') : f.url || `(${f.functionName})`;
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
    const name = `${f.functionName || '(anonymous)'} [${origin}]`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  return [
    `total ${(total / 1000).toFixed(0)} ms sampled`,
    'self time by origin:',
    ...top(byOrigin, total, n),
    'self time by function:',
    ...top(byFunction, total, n),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
  const archive = positionals[0];
  if (!archive) throw new Error('usage: npx tsx bench/profile.ts ARCHIVE [--top N]');
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-profile-'));
  const bundle = join(dir, 'cli.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'server', 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: false,
    external: ['*.node'],
    define: { DFSIZE_VERSION: '"profile"' },
    outfile: bundle,
    logLevel: 'warning',
  });
  execFileSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', dir, bundle, 'analyze', '--archive', archive, '--json'],
    {
      env: { ...process.env, DFSIZE_CACHE_DIR: join(dir, 'cache') },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
  console.log(
    summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, bundle, Number(values.top ?? 15)),
  );
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
