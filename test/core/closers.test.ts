import { describe, expect, it } from 'vitest';
import { Closers } from '../../harness/core/closers.js';

describe('Closers', () => {
  it('closes in reverse order of opening, once', async () => {
    const closed: string[] = [];
    const closers = new Closers();
    for (const name of ['server', 'pool', 'store', 'cache']) closers.add(() => void closed.push(name));
    const closing = closers.close();
    expect(closers.close()).toBe(closing);
    await closing;
    await closers.close();
    expect(closed).toEqual(['cache', 'store', 'pool', 'server']);
    expect(closers.closed).toBe(true);
  });

  it('closes every one when some fail: the first failure is thrown, the later ones warned', async () => {
    const closed: string[] = [];
    const warnings: string[] = [];
    const closers = new Closers((m) => warnings.push(m));
    closers.add(async () => void closed.push('server'));
    closers.add(() => {
      throw new Error('pool broke');
    });
    closers.add(() => {
      throw new Error('commit failed');
    });
    await expect(closers.close()).rejects.toThrow('commit failed');
    expect(closed).toEqual(['server']);
    expect(warnings).toEqual(['while closing: pool broke']);
  });

  it('aborts an opening in progress, waits for it, and closes what it opened meanwhile', async () => {
    const closed: string[] = [];
    const closers = new Closers();
    const opening = closers.opening(async () => {
      closers.add(() => void closed.push('server'));
      const signal = closers.signal();
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    opening.catch(() => {});
    await closers.close();
    await expect(opening).rejects.toThrow('closed while opening');
    expect(closed).toEqual(['server']);
    await expect(closers.opening(async () => 1)).rejects.toThrow('already closed');
  });

  it('does not abort an opening that is over, and passes an outer abort on', async () => {
    const closers = new Closers();
    const outer = new AbortController();
    const signal = closers.signal(outer.signal);
    await closers.opening(async () => 'done');
    await closers.close();
    expect(signal.aborted).toBe(false);
    outer.abort(new Error('Ctrl-C'));
    expect(signal.aborted).toBe(true);
  });
});
