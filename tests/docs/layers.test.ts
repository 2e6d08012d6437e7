/**
 * docs/architecture.md's layer diagram is true: every workspace is in it once, and each depends (in its
 * package.json, dependencies and devDependencies) only on workspaces of its own layer or below, test-support
 * aside (tests only). The imports themselves are checked by `npm run lint` (dependency-cruiser).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const TEST_SUPPORT = 'packages/test-support';

/** Workspace folder → layer index (0 = top), from the diagram between the layers markers. */
function diagram(): Map<string, number> {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const block = /<!-- layers:[^>]*-->([\s\S]*?)<!-- \/layers -->/.exec(text)?.[1];
  if (!block) throw new Error('docs/architecture.md has no layers block');
  const layers = new Map<string, number>();
  const rows = block.split('\n').filter((line) => /^\w+\s+(packages|services)\//.test(line));
  rows.forEach((row, index) => {
    for (const folder of row.split(/\s+/).slice(1)) {
      if (layers.has(folder)) throw new Error(`${folder} is in the diagram twice`);
      layers.set(folder, index);
    }
  });
  return layers;
}

interface Workspace {
  folder: string;
  name: string;
  /** Workspaces it depends on, dependencies and devDependencies. */
  dependsOn: string[];
  /** Workspaces among its dependencies alone (what ships with it). */
  shipsWith: string[];
}

function workspaces(): Workspace[] {
  return ['packages', 'services'].flatMap((dir) =>
    readdirSync(join(root, dir)).map((entry) => {
      const folder = `${dir}/${entry}`;
      const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const ours = (names: string[]) => names.filter((name) => name.startsWith('@syndicate/'));
      return {
        folder,
        name: manifest.name,
        dependsOn: ours(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })),
        shipsWith: ours(Object.keys(manifest.dependencies ?? {})),
      };
    }),
  );
}

describe('the layer diagram', () => {
  const layers = diagram();
  const all = workspaces();
  const folderOf = new Map(all.map((w) => [w.name, w.folder]));

  it('holds every workspace but test-support, and nothing else', () => {
    const expected = all.map((w) => w.folder).filter((folder) => folder !== TEST_SUPPORT);
    expect([...layers.keys()].sort()).toEqual(expected.sort());
  });

  it('has every dependency go to the same layer or one below', () => {
    const upward: string[] = [];
    for (const workspace of all) {
      const from = layers.get(workspace.folder);
      for (const name of workspace.dependsOn) {
        const folder = folderOf.get(name);
        if (folder === TEST_SUPPORT || workspace.folder === TEST_SUPPORT) continue;
        const to = folder === undefined ? undefined : layers.get(folder);
        if (from === undefined || to === undefined || to < from) upward.push(`${workspace.folder} → ${folder ?? name}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps test-support out of what ships: only a devDependency', () => {
    const shipping = all.filter((w) => w.shipsWith.includes('@syndicate/test-support'));
    expect(shipping.map((w) => w.folder)).toEqual([]);
  });
});
