// The image a compose file names for a service whose `build` uses a given Dockerfile: `image:` when the service sets
// it, else Compose's own name `<project>-<service>` (project: the file's `name:`, else its folder's name).
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

interface ComposeFile {
  name?: unknown;
  services?: Record<string, { image?: unknown; build?: unknown } | null>;
}

function projectName(file: ComposeFile, dir: string): string {
  const raw = typeof file.name === 'string' ? file.name : basename(dir);
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

function read(path: string): ComposeFile | null {
  try {
    const doc = parse(readFileSync(path, 'utf8')) as unknown;
    return doc && typeof doc === 'object' ? doc : null;
  } catch {
    return null; // no file, or YAML that is not ours to judge here
  }
}

/** Image references built from `dockerfile` by compose files in its folder or the folders above, up to `root`. */
export function composeImagesFor(dockerfile: string, root: string): string[] {
  const target = resolve(dockerfile);
  const stop = resolve(root);
  const refs: string[] = [];
  for (let dir = dirname(target), depth = 0; depth < 8; depth++) {
    for (const name of COMPOSE_FILES) {
      const file = read(join(dir, name));
      if (!file?.services || typeof file.services !== 'object') continue;
      for (const [service, def] of Object.entries(file.services)) {
        const build = def?.build;
        if (build === undefined || build === null) continue;
        const spec =
          typeof build === 'string' ? { context: build } : (build as { context?: unknown; dockerfile?: unknown });
        const context = resolve(dir, typeof spec.context === 'string' ? spec.context : '.');
        const df = typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile';
        if ((isAbsolute(df) ? df : resolve(context, df)) !== target) continue;
        refs.push(typeof def?.image === 'string' ? def.image : `${projectName(file, dir)}-${service}`);
      }
    }
    if (dir === stop || dirname(dir) === dir) break;
    dir = dirname(dir);
  }
  return refs;
}

/** Whether a listed image carries `ref` (with the implied `:latest` and docker.io prefixes). */
export function hasRef(refs: readonly string[], ref: string): boolean {
  const withTag = /:[^/]+$/.test(ref.split('@')[0]!) ? ref : `${ref}:latest`;
  return refs.some(
    (r) =>
      r === ref ||
      r === withTag ||
      r === `docker.io/${withTag}` ||
      r === `docker.io/library/${withTag}` ||
      r === `localhost/${withTag}`,
  );
}
