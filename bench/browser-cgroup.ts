/**
 * A stand-in for "the browser runs on another machine" when it has to run on this one: a wrapper executable that
 * moves itself into a CPU cgroup of its own with the smallest share and then runs the browser, so the browser and
 * every process it forks get CPU only when the rest of the machine leaves some. A cgroup, not `nice`: Chromium
 * sets its own threads' priorities (as root it raises some to -8), which a niceness inherited from a wrapper does
 * not survive, and a process cannot leave its cgroup.
 *
 * cgroup v1 (`/sys/fs/cgroup/cpu`, cpu.shares 2 against the default 1024) or v2 (cpu.weight 1 against 100, where
 * the cpu controller is enabled for the root's children). Needs write access to the cgroup tree (root, or a
 * delegated subtree); without it the browser runs unconfined, and `how` says so for the report.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConfinedBrowser {
  /** The executable to launch in the browser's place. */
  executable: string;
  /** For the report: how the browser runs. */
  how: string;
  /** Removes the wrapper and the cgroup (call once the browser has exited). */
  remove(): void;
}

export function confinedBrowserExecutable(browser: string): ConfinedBrowser {
  const wrapperDir = mkdtempSync(join(tmpdir(), 'bench-browser-'));
  const group = makeCpuGroup(`syndicate-bench-browser-${process.pid}`);
  const executable = join(wrapperDir, 'browser');
  const enterGroup = group ? `echo $$ > ${group.dir}/cgroup.procs || exit 1\n` : '';
  writeFileSync(executable, `#!/bin/sh\n${enterGroup}exec ${browser} "$@"\n`);
  chmodSync(executable, 0o755);
  return {
    executable,
    how: group
      ? `in a CPU cgroup of its own, ${group.share}`
      : 'unconfined: no writable CPU cgroup here, so its rendering competes with the pipeline',
    remove() {
      rmSync(wrapperDir, { recursive: true, force: true });
      if (group) removeGroup(group.dir);
    },
  };
}

function makeCpuGroup(name: string): { dir: string; share: string } | null {
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = '/sys/fs/cgroup';
  try {
    if (existsSync(join(v1, 'cpu.shares'))) {
      const dir = join(v1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.shares'), '2');
      return { dir, share: 'cpu.shares 2 of the default 1024' };
    }
    if (readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) {
      const dir = join(v2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.weight'), '1');
      return { dir, share: 'cpu.weight 1 of the default 100' };
    }
  } catch {
    // Not writable here (no root, no delegation): the caller reports the browser as unconfined.
  }
  return null;
}

/** A cgroup can be removed once empty; a straggler is moved back to the root group first. */
function removeGroup(dir: string): void {
  try {
    const left = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    for (const pid of left) writeFileSync(join(dir, '..', 'cgroup.procs'), pid);
    rmdirSync(dir);
  } catch (error) {
    console.error(`could not remove the browser's cgroup ${dir}: ${(error as Error).message}`);
  }
}
