/**
 * Characters that make a terminal do something instead of showing a character: C0
 * controls (ESC starts sequences that clear the screen or move the cursor, CR rewrites
 * the line, LF forges one), DEL, C1 controls (U+009B is CSI on some terminals), the line
 * and paragraph separators, and the bidi marks, embeddings, overrides and isolates that
 * reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text (model ids, CSV cells, file names, reasons, server messages) as it may
 * be written to a terminal: every unsafe character is shown as an escape (`\x1b`, `\r`,
 * `\u202e`), so the text reads as one inert line. JSON output needs no such step for C0
 * (JSON.stringify escapes it); `toJson` escapes the rest.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}
