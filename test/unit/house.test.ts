// The rules of the house that code can check: core stays pure (dockerfile-ast and the LSP types only — no vscode,
// no transport, no engine, no file system), and only engine/ talks to an engine.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ROOT } from '../support/cli';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1]!,
  );
}

describe('house rules', () => {
  it('server/src/core imports only dockerfile-ast, the LSP types and itself', () => {
    const core = join(ROOT, 'server', 'src', 'core');
    const allowed = /^(dockerfile-ast|vscode-languageserver-types|vscode-languageserver-textdocument)$/;
    for (const f of sources(core)) {
      for (const i of imports(f)) {
        // A relative import must stay inside core (core/rules/x.ts may import ../dockerfile).
        const ok = i.startsWith('.') ? resolve(dirname(f), i).startsWith(core + sep) : allowed.test(i);
        assert.ok(ok, `${f.slice(ROOT.length + 1)} imports ${i}`);
      }
    }
  });

  it('only server/src/engine imports dockerode', () => {
    for (const f of sources(join(ROOT, 'server', 'src'))) {
      if (f.includes(join('src', 'engine'))) continue;
      assert.ok(!imports(f).includes('dockerode'), `${f.slice(ROOT.length + 1)} imports dockerode`);
    }
  });

  it('the client imports no server code but the protocol and the one byte formatter', () => {
    for (const f of sources(join(ROOT, 'client', 'src'))) {
      for (const i of imports(f).filter((x) => x.includes('server/')))
        assert.match(i, /server\/src\/(protocol|core\/format)$/, `${f} imports ${i}`);
    }
  });

  it('files are written in one place: server/src/files/safeWrite.ts (temp + rename, never through a link)', () => {
    const own = join(ROOT, 'server', 'src', 'files', 'safeWrite.ts');
    for (const f of sources(join(ROOT, 'server', 'src'))) {
      if (f === own) continue;
      const writes =
        /^import\s*\{[^}]*\b(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|rename|renameSync)\b[^}]*\}\s*from\s*'node:fs(\/promises)?'/m;
      assert.doesNotMatch(
        readFileSync(f, 'utf8'),
        writes,
        `${f.slice(ROOT.length + 1)} writes files itself; use files/safeWrite`,
      );
    }
  });

  it('bytes are formatted in one place: no other file defines a units table', () => {
    const roots = [join(ROOT, 'server', 'src'), join(ROOT, 'client', 'src')];
    const own = join(ROOT, 'server', 'src', 'core', 'format.ts');
    for (const f of roots.flatMap(sources)) {
      if (f === own) continue;
      assert.doesNotMatch(
        readFileSync(f, 'utf8'),
        /\[\s*'B',\s*'kB'/,
        `${f.slice(ROOT.length + 1)} formats bytes itself; use core/format`,
      );
    }
  });
});
