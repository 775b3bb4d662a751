import { isAbsolute, relative, resolve, sep } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { fileSlug } from '../core/safe-name.js';

/**
 * File names for pages derived from ids (judge and model names): `fileSlug` (a whitelist
 * of characters plus a hash of the original), and distinct ids never share a file within
 * a scope, even on case-insensitive disks. Each suite names its pages with one of these
 * (suites/alpacaeval/report/paths.ts), under a folder of its own.
 */
export class SitePaths {
  private readonly taken = new Set<string>();
  private readonly slugs = new Map<string, string>();

  /** A unique, file-name-safe slug for `id` within `scope` (e.g. one judge's models). */
  slug(scope: string, id: string): string {
    const key = `${scope}\u0000${id}`;
    const known = this.slugs.get(key);
    if (known) return known;
    let slug = fileSlug(id, sha256Hex);
    if (this.taken.has(`${scope}/${slug.toLowerCase()}`)) slug = `${slug}-${sha256Hex(key).slice(0, 10)}`;
    this.taken.add(`${scope}/${slug.toLowerCase()}`);
    this.slugs.set(key, slug);
    return slug;
  }
}

export const OVERVIEW_PAGE = 'index.html';
/** the judge leaderboard (`bench judges`) */
export const JUDGES_PAGE = 'judges.html';

/** The relative link from page `from` to page `to` (both site-relative). */
export function link(from: string, to: string): string {
  const fromDirs = from.split('/').slice(0, -1);
  const toParts = to.split('/');
  let common = 0;
  while (common < fromDirs.length && common < toParts.length - 1 && fromDirs[common] === toParts[common])
    common++;
  const up = fromDirs.length - common;
  return `${'../'.repeat(up)}${toParts.slice(common).join('/')}`;
}

/**
 * The absolute file for a site-relative page path inside `root`; throws when the path
 * would land outside it (defence in depth: slugs already cannot contain separators).
 */
export function fileInside(root: string, page: string): string {
  const file = resolve(root, page);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new Error(`refusing to write ${page}: outside the site folder`);
  }
  return file;
}
