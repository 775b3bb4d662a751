import {
  existsSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite } from './build.js';
import { deadPid } from '../helpers/processes.js';

const NOW = () => new Date('2026-11-21T00:00:00Z');

/** A folder as a build killed while rendering (or while removing the old site) leaves it. */
function leftover(parent: string, name: string, ageMinutes: number): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<p>half a site</p>\n');
  const t = new Date(Date.now() - ageMinutes * 60_000);
  utimesSync(dir, t, t);
  return name;
}

describe('buildSite: leftovers of killed builds', () => {
  it('removes the temp folders of builds whose process is gone, once they are some minutes old', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'site-leftovers-'));
    const dead = deadPid();
    const removed = [
      leftover(parent, `.site.building-${dead}-0badcafe`, 60),
      leftover(parent, `.site.old-${dead}-deadbeef`, 60),
    ];
    const kept = [
      // a build that may still be starting: too young to tell
      leftover(parent, `.site.building-${dead}-00000001`, 1),
      // a build of a live process (this one)
      leftover(parent, `.site.building-${process.pid}-00000002`, 60),
      // another site's build, and names this build never makes
      leftover(parent, `.other.building-${dead}-00000003`, 60),
      leftover(parent, `.site.building-notes`, 60),
    ];
    const lines: string[] = [];
    await buildSite({ alpacaeval: [], pairwise: [] }, join(parent, 'site'), {
      now: NOW,
      log: (l) => lines.push(l),
    });
    expect(readdirSync(parent).sort()).toEqual([...kept, 'site'].sort());
    expect(existsSync(join(parent, 'site', 'index.html'))).toBe(true);
    for (const name of removed) {
      expect(lines).toContain(`report: removed ${join(parent, name)}, left by a build that was killed`);
    }
  });

  it('leaves a leftover symlink alone (only real folders of a build are removed)', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'site-leftovers-'));
    const target = mkdtempSync(join(tmpdir(), 'site-precious-'));
    writeFileSync(join(target, 'keep.txt'), 'keep me\n');
    const link = `.site.building-${deadPid()}-0badcafe`;
    symlinkSync(target, join(parent, link));
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(target, old, old);
    lutimesSync(join(parent, link), old, old);
    await buildSite({ alpacaeval: [], pairwise: [] }, join(parent, 'site'), { now: NOW });
    expect(existsSync(join(target, 'keep.txt'))).toBe(true);
    expect(readdirSync(parent).sort()).toEqual([link, 'site']);
  });
});
