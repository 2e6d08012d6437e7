// `npm run build`: compiles the services, the `syndicate` CLI and the `npm start` supervisor once, with
// esbuild, into plain JavaScript in dist/, so nothing compiles TypeScript at run time (tsx stays for tests,
// benchmarks and scripts). The workspace packages are bundled in; third-party dependencies stay external
// (BullMQ, for one, reads its Lua scripts from its own folder at run time) and come from node_modules.
// Code shared by several entry points goes into chunks once (splitting), so the image carries it once.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root, workspaces } from './workspaces.mjs';

const outdir = join(root, 'dist');

/** Entry point → source: what `node dist/<name>.js` runs. */
export const ENTRY_POINTS = {
  api: 'services/api/src/main.ts',
  enricher: 'services/enricher/src/main.ts',
  fanout: 'services/fanout/src/main.ts',
  delivery: 'services/delivery/src/main.ts',
  syndicate: 'packages/cli/src/bin.ts',
  start: 'scripts/start.ts',
};

const manifests = [JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')), ...workspaces().map((w) => w.manifest)];
const external = manifests.flatMap((m) => Object.keys(m.dependencies ?? {})).filter((name) => !name.startsWith('@syndicate/'));

const started = performance.now();
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, source]) => [name, join(root, source)])),
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Subpaths too (`ioredis/built/...`, `zod/v4`): anything a dependency name starts.
  external: [...new Set(external)].flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});
// The stamp scripts/ensure-build.sh compares sources against.
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, '.built'), `${new Date().toISOString()}\n`);
process.stderr.write(`[build] dist/ in ${Math.round(performance.now() - started)} ms\n`);
