/**
 * Model ids come from submissions and become path segments (results/<id>/...) and file
 * names (site pages, caches). Only ids that are a single, plain path segment are
 * accepted; the check is a whitelist so nothing like `../x`, `a/b`, `.` or a NUL slips by.
 */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+@=-]*$/;

export function isSafePathSegment(id: string): boolean {
  return id.length > 0 && id.length <= 200 && SAFE_SEGMENT.test(id) && !id.includes('..');
}

/**
 * A file-name-safe slug for an arbitrary string (used for generated files, where the id
 * itself is shown escaped in the page). Injective enough in practice: unsafe characters
 * are replaced and a short hash of the original keeps distinct ids distinct.
 */
export function fileSlug(id: string, hash: (s: string) => string): string {
  const base =
    id
      .replace(/[^A-Za-z0-9_.+-]/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 80) || '_';
  return isSafePathSegment(id) && id === base ? id : `${base}-${hash(id).slice(0, 8)}`;
}
