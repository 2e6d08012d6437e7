// `npm run build -w services/<name>`: bundles the service's main.ts and the workspace packages it uses
// into dist/main.js, for deployment without tsx. Third-party dependencies stay external (BullMQ, for
// one, reads its Lua scripts from its own folder at run time), so production installs them as usual.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const service = process.cwd();
const root = join(service, '..', '..');
const manifests = ['packages', 'services'].flatMap((dir) =>
  readdirSync(join(root, dir)).map((name) => JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8'))),
);
const external = manifests.flatMap((m) => Object.keys(m.dependencies ?? {})).filter((name) => !name.startsWith('@syndicate/'));

await build({
  entryPoints: [join(service, 'src', 'main.ts')],
  outfile: join(service, 'dist', 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: [...new Set(external)],
  logLevel: 'info',
});
