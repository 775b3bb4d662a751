import { lstat, mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BenchError, errorMessage } from '../core/errors.js';
import { processIsAlive, processStartId } from '../core/process.js';

/** What a lock file says about its holder. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  readonly command: string;
  /**
   * what tells the holder apart from a later process given the same pid (`processStartId`);
   * null where the system cannot tell, and in locks of older versions
   */
  readonly processStart: string | null;
  /** random: tells this lock apart from any other of the same pid */
  readonly token: string;
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
  /** the start of a process of this host (see LockOwner.processStart); default: from /proc */
  readonly processStartId?: (pid: number) => string | null;
  readonly warn: (message: string) => void;
  /** a lock file that cannot be read is taken as stale once older than this (default 60 s) */
  readonly unreadableStaleMs?: number;
}

/**
 * Takes the lock at `path`, created with O_EXCL so two processes can never both create it.
 * A lock held by a live process (or by another host, whose processes cannot be checked)
 * is refused with LockBusyError. A lock left by a dead process of this host is stale: it
 * is taken over with a warning; so is one whose pid is alive but started at another time
 * than the lock's holder (the pid was reused). A path that is not a regular file (a folder,
 * a symlink) is a BenchError saying to remove it.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? (() => new Date());
  const startOf = options.processStartId ?? processStartId;
  const pid = options.pid ?? process.pid;
  const owner: LockOwner = {
    pid,
    hostname: options.hostname ?? osHostname(),
    startedAt: now().toISOString(),
    command: options.command,
    processStart: startOf(pid),
    token: randomBytes(8).toString('hex'),
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
      const gone = whyGone(h, isAlive, startOf);
      if (gone === null) throw new LockBusyError(`another refresh is running (${desc}; lock ${path})`, h);
      if (!(await takeOver(path, found.text))) continue;
      options.warn(`took over the stale lock ${path} (${desc}: ${gone})`);
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

/**
 * Why the holder of a lock of this host is gone, or null while it runs. A live pid whose
 * process started at another time than the holder recorded is another process (the pid
 * was reused after the holder died); where either start is unknown, a live pid is the holder.
 */
function whyGone(
  holder: LockOwner,
  isAlive: (pid: number) => boolean,
  startOf: (pid: number) => string | null,
): string | null {
  if (!isAlive(holder.pid)) return 'that process is gone';
  const start = holder.processStart === null ? null : startOf(holder.pid);
  if (start !== null && start !== holder.processStart) return `pid ${holder.pid} is another process now`;
  return null;
}

type FoundLock =
  | 'gone'
  | { kind: 'owner'; owner: LockOwner; text: string }
  | { kind: 'unreadable'; text: string; mtimeMs: number };

async function readLock(path: string): Promise<FoundLock> {
  let text: string;
  let mtimeMs: number;
  try {
    const s = await lstat(path);
    if (s.isDirectory()) {
      throw new BenchError(
        `${path} is a folder, not a lock file: remove it (no refresh uses a folder there) and run again`,
      );
    }
    if (!s.isFile()) {
      throw new BenchError(`${path} is not a regular file (a symlink or a device): remove it and run again`);
    }
    mtimeMs = s.mtimeMs;
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    if (e instanceof BenchError) throw e;
    throw new BenchError(`${path}: cannot read the lock file (${errorMessage(e)})`, { cause: e });
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
          processStart: typeof o.processStart === 'string' ? o.processStart : null,
          token: typeof o.token === 'string' ? o.token : '',
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

/** The lock file of a leaderboard folder. */
export const REFRESH_LOCK = '.refresh.lock';

/**
 * Takes `dir`'s refresh lock, creating the folder if needed. Releasing removes the lock
 * and the folders this call created if they stayed empty (a failed first refresh leaves
 * no trace).
 */
export async function lockLeaderboard(dir: string, options: LockOptions): Promise<HeldLock> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new BenchError(`${dir}: cannot create the leaderboard folder (${errorMessage(e)})`, { cause: e });
  }
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
