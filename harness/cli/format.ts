// The CLI's formatting helpers, gathered from core (suites print with the same ones).
export { fixed, formatShare, formatTable, interval, pValue } from '../core/text-table.js';
export { toJson } from '../core/serialize.js';
export { terminalText } from '../core/terminal-text.js';
