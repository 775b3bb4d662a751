import { link } from '../paths.js';

/** A link in the site's navigation bar. */
export interface NavItem {
  readonly label: string;
  readonly href: string;
  readonly current: boolean;
}

/** A site page before the chrome is added: where it goes and what it says. */
export interface NavEntry {
  readonly label: string;
  /** site-relative path */
  readonly page: string;
  /** the section this entry highlights for pages below it (e.g. model pages of a leaderboard) */
  readonly section: string;
}

/** What every page's layout needs besides its own content. */
export interface PageChrome {
  readonly title: string;
  /** relative path from the page to the site root, '' or '../'... */
  readonly root: string;
  readonly home: string;
  readonly nav: readonly NavItem[];
  readonly generatedAt: string;
  readonly harnessVersion: string;
}

export function chrome(
  page: string,
  section: string,
  title: string,
  navEntries: readonly NavEntry[],
  site: { generatedAt: string; harnessVersion: string },
): PageChrome {
  return {
    title,
    root: '../'.repeat(page.split('/').length - 1),
    home: link(page, 'index.html'),
    nav: navEntries.map((e) => ({
      label: e.label,
      href: link(page, e.page),
      current: e.section === section,
    })),
    generatedAt: site.generatedAt,
    harnessVersion: site.harnessVersion,
  };
}

/** A small key/value list (provenance, summaries). */
export interface Fact {
  readonly label: string;
  readonly value: string;
  /** shown muted after the value */
  readonly note: string;
}

export function fact(label: string, value: string, note = ''): Fact {
  return { label, value, note };
}
