import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireLock,
  LOCK_BUSY_EXIT,
  LockBusyError,
  lockLeaderboard,
} from '../../harness/leaderboard/lock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bench-lock-'));
const owner = (pid: number, hostname: string) =>
  `${JSON.stringify({ pid, hostname, startedAt: '2024-01-01T00:00:00.000Z', command: 'bench refresh' })}\n`;

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('acquireLock', () => {
  it('creates the lock with pid, host and start time, and removes it on release', async () => {
    const path = join(tmp(), '.refresh.lock');
    const lock = await acquireLock(path, {
      command: 'bench refresh',
      warn: () => {},
      hostname: 'h1',
      pid: 42,
      now: () => new Date('2024-03-01T02:00:00Z'),
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      pid: 42,
      hostname: 'h1',
      startedAt: '2024-03-01T02:00:00.000Z',
      command: 'bench refresh',
    });
    await lock.release();
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses while a live process of this host holds it', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, owner(process.pid, 'h1'));
    const e = await acquireLock(path, { command: 'x', warn: () => {}, hostname: 'h1' }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LockBusyError);
    expect((e as LockBusyError).exitCode).toBe(LOCK_BUSY_EXIT);
    expect((e as Error).message).toMatch(
      new RegExp(`another refresh is running \\(pid ${process.pid} on h1, started 2024-01-01`),
    );
    expect(readFileSync(path, 'utf8')).toBe(owner(process.pid, 'h1'));
  });

  it('takes over a stale lock of a dead process with a warning', async () => {
    const path = join(tmp(), '.refresh.lock');
    const pid = deadPid();
    writeFileSync(path, owner(pid, 'h1'));
    const warnings: string[] = [];
    const lock = await acquireLock(path, { command: 'x', warn: (m) => warnings.push(m), hostname: 'h1' });
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`took over the stale lock .*pid ${pid} on h1.*that process is gone`)),
    ]);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('refuses a lock of another host (its processes cannot be checked)', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, owner(deadPid(), 'elsewhere'));
    await expect(acquireLock(path, { command: 'x', warn: () => {}, hostname: 'h1' })).rejects.toThrow(
      /runs on another host/,
    );
  });

  it('waits out an unreadable lock while it may still be being written, then takes it over', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, '');
    await expect(acquireLock(path, { command: 'x', warn: () => {} })).rejects.toThrow(/being written/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const warnings: string[] = [];
    const lock = await acquireLock(path, { command: 'x', warn: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/took over the unreadable lock/);
    await lock.release();
  });

  it('release leaves a lock that is no longer its own', async () => {
    const path = join(tmp(), '.refresh.lock');
    const lock = await acquireLock(path, { command: 'x', warn: () => {} });
    writeFileSync(path, owner(1, 'someone'));
    await lock.release();
    expect(readFileSync(path, 'utf8')).toBe(owner(1, 'someone'));
  });

  it('only one of many concurrent takers gets it', async () => {
    const path = join(tmp(), '.refresh.lock');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => acquireLock(path, { command: 'x', warn: () => {} })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('lockLeaderboard', () => {
  it('removes the folders it created when they stay empty', async () => {
    const root = tmp();
    const dir = join(root, 'leaderboards', 'autoj');
    const lock = await lockLeaderboard(dir, { command: 'x', warn: () => {} });
    expect(existsSync(join(dir, '.refresh.lock'))).toBe(true);
    await lock.release();
    expect(existsSync(join(root, 'leaderboards'))).toBe(false);
  });
});
