/**
 * Number and date formatting for the report pages. Every displayed figure goes through
 * here, so the templates only print strings. A missing value is an en dash, never 0.
 */
export const MISSING = '–';

const grouped = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const formatters = new Map<number, Intl.NumberFormat>();

function formatter(digits: number): Intl.NumberFormat {
  let f = formatters.get(digits);
  if (!f) {
    f = grouped(digits);
    formatters.set(digits, f);
  }
  return f;
}

export function isNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** 1,234.5 style with `digits` decimals; the minus sign is a real minus. */
export function num(v: number | null | undefined, digits: number): string {
  if (!isNumber(v)) return MISSING;
  const text = formatter(digits).format(v);
  return text.startsWith('-') ? `−${text.slice(1)}` : text;
}

export function int(v: number | null | undefined): string {
  return num(v, 0);
}

export function signed(v: number | null | undefined, digits: number): string {
  if (!isNumber(v)) return MISSING;
  const text = num(Math.abs(v), digits);
  if (text === num(0, digits)) return text;
  return v > 0 ? `+${text}` : `−${text}`;
}

export function percent(v: number | null | undefined, digits = 2): string {
  return isNumber(v) ? `${num(v, digits)}%` : MISSING;
}

export function interval(ci: readonly [number, number] | null | undefined, digits: number): string {
  return ci && isNumber(ci[0]) && isNumber(ci[1]) ? `${num(ci[0], digits)} – ${num(ci[1], digits)}` : MISSING;
}

/** Decimals that suit a set of scores: 1-10 ratings get 3, character counts get none. */
export function scoreDigits(values: readonly (number | null)[]): number {
  const max = Math.max(0, ...values.filter(isNumber).map((v) => Math.abs(v)));
  return max >= 100 ? 0 : max >= 10 ? 1 : 3;
}

/** `2026-11-26 08:31 UTC` from an ISO time; the input as given when it does not parse. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export function day(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** 1.2 s, 3 min 4 s */
export function duration(ms: number): string {
  if (!isNumber(ms)) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${int(n)} ${n === 1 ? one : many}`;
}

export function shortHash(hash: string | null | undefined, length = 12): string {
  return hash ? hash.slice(0, length) : MISSING;
}

/** A sort key for the table script: numbers as they are, missing values sort last. */
export function sortKey(v: number | null | undefined): string {
  return isNumber(v) ? String(v) : '';
}

/** The last path segment of a file path or URL (for provenance lines). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/**
 * A source location as a published page may show it: URLs as they are, local paths by
 * their last segment only (a public page has no business showing the builder's folders).
 */
export function publicLocation(location: string): string {
  return /^https?:\/\//i.test(location) ? location : baseName(location);
}
