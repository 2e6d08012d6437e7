import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/**
 * Tests that run the shipped JavaScript (the `syndicate` bin, services started as processes) must not run
 * a stale build: compile dist/ first when any source is newer (a few hundred ms; nothing when up to date).
 */
export default function setup() {
  execFileSync('bash', [join(root, 'scripts/ensure-build.sh')], { cwd: root, stdio: 'inherit' });
}
