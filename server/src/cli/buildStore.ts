// Where `dfsize build` keeps how long each line of its builds took, and `dfsize report` finds it: the CLI's cache
// folder (DFSIZE_CACHE_DIR, else XDG_CACHE_HOME/dfsize, else ~/.cache/dfsize), beside its layer analyses.
import { defaultCacheDir } from '../analysis/cache';
import { PreviousBuilds } from '../state/previousBuilds';

export function cliBuildStore(
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): PreviousBuilds {
  return PreviousBuilds.inFolder(defaultCacheDir(env), warn);
}
