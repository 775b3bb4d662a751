import { readFileSync } from 'node:fs';

/** `kill(pid, 0)`: ESRCH means no such process; EPERM means it exists (another user's). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let bootId: string | undefined;

/**
 * What tells a process apart from a later one given the same pid: on Linux, the boot id and
 * the process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22), e.g.
 * `3f2a...:81234567`. Null where /proc cannot tell (not Linux, or no such process).
 */
export function processStartId(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'
  const start = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .at(22 - 3);
  if (start === undefined || !/^\d+$/.test(start)) return null;
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return `${bootId}:${start}`;
}
