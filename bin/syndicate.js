#!/usr/bin/env node
// The `syndicate` command: the CLI compiled by `npm run build` (npm start, npm test and npm install build it).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/syndicate.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('syndicate: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(compiled.href);
