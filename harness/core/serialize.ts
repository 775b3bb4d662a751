/** CSV and JSON as the harness writes them (results, snapshots, exports). */

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/**
 * Pretty JSON, newline-terminated; NaN and Infinity become null, as JSON has no such numbers.
 * Characters a terminal acts on that JSON.stringify leaves raw (DEL, C1 controls, line
 * separators, bidi controls; see terminal-text.ts) are written as \u escapes: the same
 * document, safe to print. They can only occur inside strings, where \u escapes are valid.
 */
export function toJson(value: unknown): string {
  const json = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
  return `${json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
