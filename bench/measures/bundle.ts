// bundle_bytes: the server bundle (the language server, which is also what `dfsize-langserver` runs); the others
// beside it. Target: server ≤ 2 MB.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/support/cli';
import type { Figure } from './types';

export async function bundleBytes(): Promise<Figure> {
  const size = (p: string) => statSync(join(ROOT, p)).size;
  const raw = {
    server: size('server/out/server.js'),
    cli: size('server/out/cli.js'),
    client: size('client/out/extension.js'),
  };
  return { value: raw.server, unit: 'bytes', target: 2_000_000, raw };
}
