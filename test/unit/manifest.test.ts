// package.json agrees with the code, both ways: every setting the server or the client reads is contributed with the
// default the code falls back to, and every contributed setting is read; every command the client registers is
// contributed, and every contributed (or menu) command is registered. The client's sources are read with the
// TypeScript parser (they import vscode, so they cannot be loaded here).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { DEFAULT_SETTINGS } from '../../server/src/protocol';
import { ROOT } from '../support/cli';
import { MANIFEST, PACKAGE_VERSION } from '../support/manifest';

const SECTION = 'dockerfileSize';
const CLIENT = join(ROOT, 'client', 'src');

function sourceFiles(dir: string): ts.SourceFile[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true)] : [];
  });
}

function calls(file: ts.SourceFile): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(file);
  return out;
}

function calleeName(call: ts.CallExpression): string | null {
  return ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : null;
}

/** A literal argument's value (string, number, boolean, [], or a negative number); 'absent' when there is none. */
function literal(node: ts.Expression | undefined): unknown {
  if (!node) return 'absent';
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isArrayLiteralExpression(node) && node.elements.length === 0) return [];
  throw new Error(`not a literal: ${node.getText()}`);
}

/** `<config>.get('key', default)` in the client files that read the `dockerfileSize` section. */
function clientSettings(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of sourceFiles(CLIENT)) {
    if (!file.text.includes(`getConfiguration('${SECTION}'`)) continue;
    for (const call of calls(file)) {
      const [key, dflt] = call.arguments;
      if (calleeName(call) !== 'get' || !key || !ts.isStringLiteral(key) || !key.text.includes('.')) continue;
      out.set(`${SECTION}.${key.text}`, literal(dflt));
    }
  }
  return out;
}

/** DEFAULT_SETTINGS as `dockerfileSize.a.b` → default. */
function serverSettings(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [group, values] of Object.entries(DEFAULT_SETTINGS))
    for (const [name, value] of Object.entries(values as Record<string, unknown>))
      out.set(`${SECTION}.${group}.${name}`, value);
  return out;
}

/** The command ids the client registers: a literal, or a property of a `const X = { … }` object of literals. */
function registeredCommands(): Set<string> {
  const out = new Set<string>();
  for (const file of sourceFiles(CLIENT)) {
    const objects = new Map<string, Map<string, string>>();
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
        const init = ts.isAsExpression(n.initializer) ? n.initializer.expression : n.initializer;
        if (ts.isObjectLiteralExpression(init)) objects.set(n.name.text, propertiesOf(init));
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
    for (const call of calls(file).filter((c) => calleeName(c) === 'registerCommand')) {
      const id = call.arguments[0];
      if (id && ts.isStringLiteral(id)) out.add(id.text);
      else if (id && ts.isPropertyAccessExpression(id) && ts.isIdentifier(id.expression)) {
        const value = objects.get(id.expression.text)?.get(id.name.text);
        assert.ok(value, `${file.fileName}: cannot read the command id ${id.getText()}`);
        out.add(value);
      } else assert.fail(`${file.fileName}: cannot read the command id of ${call.getText().slice(0, 80)}`);
    }
  }
  return out;
}

function propertiesOf(o: ts.ObjectLiteralExpression): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of o.properties)
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && ts.isStringLiteral(p.initializer))
      out.set(p.name.text, p.initializer.text);
  return out;
}

describe('package.json agrees with the code', () => {
  const contributed = MANIFEST.contributes.configuration.properties;
  let read = new Map<string, unknown>();
  before(() => {
    read = new Map([...serverSettings(), ...clientSettings()]);
  });

  it('every setting the code reads is contributed, with the default the code uses', () => {
    assert.ok(read.size >= Object.keys(DEFAULT_SETTINGS).length, 'settings were found in the code');
    for (const [key, dflt] of read) {
      const entry = contributed[key];
      assert.ok(entry, `${key} is read by the code but not contributed in package.json`);
      // A client `get(key)` without a default falls back to the contributed one: nothing to compare.
      if (dflt !== 'absent') assert.deepEqual(entry.default, dflt, `${key}: package.json's default`);
    }
  });

  it('every contributed setting is read by the server or the client', () => {
    for (const key of Object.keys(contributed)) assert.ok(read.has(key), `${key} is contributed but nothing reads it`);
  });

  it('the client registers exactly the contributed commands', () => {
    const registered = registeredCommands();
    const commands = new Set(MANIFEST.contributes.commands.map((c) => c.command));
    for (const id of registered) assert.ok(commands.has(id), `${id} is registered but not contributed`);
    for (const id of commands) assert.ok(registered.has(id), `${id} is contributed but not registered`);
  });

  it('every menu names a contributed command', () => {
    const commands = new Set(MANIFEST.contributes.commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(MANIFEST.contributes.menus))
      for (const item of items) assert.ok(commands.has(item.command), `menu ${menu} names ${item.command}`);
  });

  it('the marketplace icon is a 128×128 PNG, with a banner colour', () => {
    assert.ok(MANIFEST.icon, 'package.json names an icon');
    const png = readFileSync(join(ROOT, MANIFEST.icon));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], `${MANIFEST.icon} is a PNG`);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'width and height (IHDR)');
    assert.match(MANIFEST.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
  });

  it('CHANGELOG.md has a section for the version in package.json', () => {
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, new RegExp(`^## \\[${PACKAGE_VERSION.replaceAll('.', '\\.')}\\]`, 'm'));
  });
});
