// The repository's workspaces (packages/*, services/*), each with its folder and its package.json, for the
// build scripts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');

/** @returns {Array<{ folder: string, manifest: Record<string, any> }>} folder relative to the root */
export function workspaces() {
  return ['packages', 'services'].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => {
      const folder = join(dir, name);
      return { folder, manifest: JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) };
    }),
  );
}
