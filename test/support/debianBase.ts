// local/debian:bookworm-slim for the rule engine suites (apt works inside builds: Debian's mirror is reachable).
// Made by scripts/parts/base-images.sh when missing (~35 s, root and the mirror needed); CI can make it up front.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { dockerFor } from './builds';
import { RECIPES } from './cli';

export const DEBIAN = 'local/debian:bookworm-slim';

export async function ensureDebian(): Promise<void> {
  const have = await dockerFor('legacy')
    .getImage(DEBIAN)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (have) return;
  execFileSync('bash', [join(RECIPES, 'base-images.sh'), 'debian'], { stdio: 'inherit' });
}
