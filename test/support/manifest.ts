// package.json as the tests read it: the version, and what it contributes to VS Code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';

export interface Manifest {
  readonly version: string;
  readonly icon?: string;
  readonly galleryBanner?: { readonly color?: string; readonly theme?: string };
  readonly contributes: {
    readonly configuration: { readonly properties: Readonly<Record<string, { readonly default?: unknown }>> };
    readonly commands: readonly { readonly command: string }[];
    readonly menus: Readonly<Record<string, readonly { readonly command: string }[]>>;
  };
}

export const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
export const PACKAGE_VERSION = MANIFEST.version;
