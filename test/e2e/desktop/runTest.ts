// The same scenarios on desktop VS Code through @vscode/test-electron, for machines that can download VS Code
// (`npm run test:e2e:desktop`). This network cannot, so CI runs the code-server suite (test/e2e/*.e2e.ts) and this one
// is only compiled (`npm run typecheck`).
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..', '..');
  const workspace = join(mkdtempSync(join(tmpdir(), 'dfsize-desktop-')), 'shop-api');
  cpSync(join(root, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(__dirname, 'suite'),
    launchArgs: [workspace, '--disable-extensions'],
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
