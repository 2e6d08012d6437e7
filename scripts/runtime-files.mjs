// `node scripts/runtime-files.mjs DEST`: copies into DEST the files the compiled code reads at run time
// through the workspace links: whatever a workspace's package.json `exports` lists outside src/ (the
// enrichment model and gazetteers under data/, Redis scripts under lua/, the console's pages and assets),
// each at its own path. The image (Containerfile) has these beside dist/ and the production node_modules.
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { root, workspaces } from './workspaces.mjs';

const dest = process.argv[2];
if (!dest) {
  process.stderr.write('usage: node scripts/runtime-files.mjs DEST\n');
  process.exit(2);
}

for (const { folder: workspace, manifest } of workspaces()) {
  for (const target of Object.values(manifest.exports ?? {})) {
    if (typeof target !== 'string' || target.startsWith('./src/')) continue;
    // "./lua/*" is the folder lua/; "./schema.json" the one file.
    const path = join(workspace, target.endsWith('/*') ? dirname(target) : target);
    if (!existsSync(join(root, path))) throw new Error(`${workspace} exports ${target}, which is not there`);
    cpSync(join(root, path), join(dest, path), { recursive: true });
    process.stderr.write(`[runtime-files] ${path}\n`);
  }
}
