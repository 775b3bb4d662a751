import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';

/**
 * A stamp file in the site records which snapshot of each judge it was built from, so a
 * refresh with nothing new can tell whether the site is current (it is not after a run
 * that wrote its snapshot but failed while building the site, or when the folder is
 * missing, as on a fresh CI checkout) and rebuild only then.
 */
export const SITE_STAMP = '.leaderboard-site.json';

export interface SiteStamp {
  /** judge -> the snapshot the site shows */
  readonly snapshots: Readonly<Record<string, { readonly date: string; readonly createdAt: string }>>;
}

export async function readSiteStamp(siteDir: string): Promise<SiteStamp | null> {
  try {
    const s = JSON.parse(await readFile(join(siteDir, SITE_STAMP), 'utf8')) as SiteStamp;
    return s && typeof s.snapshots === 'object' ? s : null;
  } catch {
    return null;
  }
}

export async function siteIsCurrent(
  siteDir: string,
  judge: string,
  snapshot: { date: string; createdAt: string },
): Promise<boolean> {
  const entry = (await readSiteStamp(siteDir))?.snapshots[judge];
  return entry?.date === snapshot.date && entry.createdAt === snapshot.createdAt;
}

/**
 * Rebuilds the site with `build(siteDir)`, which must replace the folder as a whole (the
 * report's buildSite renders into a fresh folder and swaps it in, so a failed build leaves
 * the site as it was), then records in the stamp which snapshot it shows. The stamp is
 * written last: a crash in between only makes the next refresh rebuild the site again.
 */
export async function publishSite(
  siteDir: string,
  build: (outDir: string) => Promise<void>,
  stamp: { judge: string; date: string; createdAt: string },
): Promise<void> {
  const previous = await readSiteStamp(siteDir);
  await build(siteDir);
  const next: SiteStamp = {
    snapshots: { ...previous?.snapshots, [stamp.judge]: { date: stamp.date, createdAt: stamp.createdAt } },
  };
  await writeFileAtomic(join(siteDir, SITE_STAMP), `${JSON.stringify(next, null, 2)}\n`);
}
