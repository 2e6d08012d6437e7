import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Starts Kafka and Redis unless they already run; stops afterwards only what it started. */
export default function setup() {
  process.stderr.write('[tests] making sure Kafka and Redis are up…\n');
  const started = execFileSync('bash', [join(root, 'infra/up.sh')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  return () => {
    if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { cwd: root, stdio: 'inherit' });
  };
}
