import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BenchError, errorMessage } from '../core/errors.js';

/** What a lock file says about its holder. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  readonly command: string;
}

export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** removes the lock if it is still ours; safe to call twice */
  release(): Promise<void>;
}

/** Exit code when another refresh holds the lock (sysexits EX_TEMPFAIL: try again later). */
export const LOCK_BUSY_EXIT = 75;

export class LockBusyError extends BenchError {
  readonly holder: LockOwner | null;
  constructor(message: string, holder: LockOwner | null) {
    super(message, { exitCode: LOCK_BUSY_EXIT });
    this.holder = holder;
  }
}

export interface LockOptions {
  readonly command: string;
  readonly now?: () => Date;
  readonly pid?: number;
  readonly hostname?: string;
  /** whether a process of this host is running; default: `kill(pid, 0)` */
  readonly isAlive?: (pid: number) => boolean;
  readonly warn: (message: string) => void;
  /** a lock file that cannot be read is taken as stale once older than this (default 60 s) */
  readonly unreadableStaleMs?: number;
}

/**
 * Takes the lock at `path`, created with O_EXCL so two processes can never both create it.
 * A lock held by a live process (or by another host, whose processes cannot be checked)
 * is refused with LockBusyError. A lock left by a dead process of this host is stale: it
 * is taken over with a warning.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? (() => new Date());
  const owner: LockOwner = {
    pid: options.pid ?? process.pid,
    hostname: options.hostname ?? osHostname(),
    startedAt: now().toISOString(),
    command: options.command,
  };
  const content = `${JSON.stringify(owner)}\n`;
  const isAlive = options.isAlive ?? processIsAlive;

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, content, { flag: 'wx' });
      return held(path, owner, content);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BenchError(`${path}: cannot create the lock file (${errorMessage(e)})`, { cause: e });
      }
    }
    const found = await readLock(path);
    if (found === 'gone') continue;
    if (found.kind === 'owner') {
      const h = found.owner;
      const desc = `pid ${h.pid} on ${h.hostname}, started ${h.startedAt}`;
      if (h.hostname !== owner.hostname) {
        throw new LockBusyError(
          `another refresh holds ${path} (${desc}); it runs on another host, so it cannot be checked: remove the file if that refresh is gone`,
          h,
        );
      }
      if (isAlive(h.pid)) throw new LockBusyError(`another refresh is running (${desc}; lock ${path})`, h);
      if (!(await takeOver(path, found.text))) continue;
      options.warn(`took over the stale lock ${path} (${desc}: that process is gone)`);
    } else {
      const ageMs = now().getTime() - found.mtimeMs;
      if (ageMs < (options.unreadableStaleMs ?? 60_000)) {
        throw new LockBusyError(`another refresh is starting (lock ${path} is being written)`, null);
      }
      if (!(await takeOver(path, found.text))) continue;
      options.warn(`took over the unreadable lock ${path} (${Math.round(ageMs / 1000)} s old)`);
    }
  }
  // Lost a race for the lock twice: someone else holds it now.
  const again = await readLock(path);
  throw new LockBusyError(
    `another refresh took the lock ${path} first`,
    again !== 'gone' && again.kind === 'owner' ? again.owner : null,
  );
}

type FoundLock =
  | 'gone'
  | { kind: 'owner'; owner: LockOwner; text: string }
  | { kind: 'unreadable'; text: string; mtimeMs: number };

async function readLock(path: string): Promise<FoundLock> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(o.pid) && o.pid! > 0 && typeof o.hostname === 'string') {
      return {
        kind: 'owner',
        owner: {
          pid: o.pid!,
          hostname: o.hostname,
          startedAt: String(o.startedAt),
          command: String(o.command),
        },
        text,
      };
    }
  } catch {
    // falls through: unreadable
  }
  return { kind: 'unreadable', text, mtimeMs };
}

/**
 * Removes a stale lock whose content was `staleText`, unless another process replaced it
 * meanwhile: the file is first renamed aside (atomic), then checked; a lock that turns
 * out to be fresh is put back. Returns whether the stale lock is gone.
 */
async function takeOver(path: string, staleText: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  const text = await readFile(aside, 'utf8').catch(() => null);
  if (text === staleText) {
    await rm(aside, { force: true });
    return true;
  }
  // Someone took the lock between our read and the rename: restore theirs if we can.
  try {
    await writeFile(path, text ?? '', { flag: 'wx' });
  } catch {
    // another process holds a newer lock already
  }
  await rm(aside, { force: true });
  return false;
}

function held(path: string, owner: LockOwner, content: string): HeldLock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === content) await rm(path, { force: true });
    },
  };
}

/** `kill(pid, 0)`: ESRCH means no such process; EPERM means it exists (another user's). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a leaderboard folder. */
export const REFRESH_LOCK = '.refresh.lock';

/**
 * Takes `dir`'s refresh lock, creating the folder if needed. Releasing removes the lock
 * and the folders this call created if they stayed empty (a failed first refresh leaves
 * no trace).
 */
export async function lockLeaderboard(dir: string, options: LockOptions): Promise<HeldLock> {
  const created = await mkdir(dir, { recursive: true });
  let lock: HeldLock;
  try {
    lock = await acquireLock(join(dir, REFRESH_LOCK), options);
  } catch (e) {
    if (created) await removeEmptyDirs(dir, created);
    throw e;
  }
  return {
    ...lock,
    async release() {
      await lock.release();
      if (created) await removeEmptyDirs(dir, created);
    },
  };
}

/** Removes `dir` and its parents up to `top` (inclusive) while they are empty. */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  let d = dir;
  for (;;) {
    const entries = await readdir(d).catch(() => null);
    if (entries === null || entries.length > 0) return;
    await rmdir(d).catch(() => {});
    if (relative(top, d) === '' || relative(top, d).startsWith('..')) return;
    d = dirname(d);
  }
}
