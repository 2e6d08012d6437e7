/**
 * `npm run bench:cli`: how long the `syndicate` command takes to answer `--help`, `--version` and a usage
 * error, against a bare `node -e 0` started the same way, the runs interleaved so both see the same machine.
 * Goal (issue 14): `syndicate --help` at most 2× `node -e 0`. BENCH_CLI_RUNS (21) sets the runs of each.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixed, median, table } from './support.js';

const root = join(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 21);
const bin = join(root, 'bin', 'syndicate.js');

const CASES: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'syndicate --help': [bin, '--help'],
  'syndicate --version': [bin, '--version'],
  'syndicate publish --bogus': [bin, 'publish', '--bogus'],
};

/** Wall time of one run, in ms, from spawning to exit. */
function timeOnce(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
  if (result.error) throw result.error;
  return performance.now() - started;
}

spawnSync('bash', [join(root, 'scripts/ensure-build.sh')], { cwd: root, stdio: 'inherit' });
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]));
for (let run = 0; run < RUNS + 1; run++) {
  for (const [name, args] of Object.entries(CASES)) {
    const ms = timeOnce(args);
    if (run > 0) samples[name]?.push(ms); // the first round warms the file cache
  }
}
const bare = median(samples['node -e 0'] ?? []);
console.log(`syndicate start-up, medians of ${RUNS} runs (node ${process.version})\n`);
console.log(
  table(
    ['command', 'median ms', '× node -e 0'],
    Object.entries(samples).map(([name, ms]) => [name, fixed(median(ms), 1), fixed(median(ms) / bare, 2)]),
  ),
);
