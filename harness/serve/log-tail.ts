import fs from 'node:fs';
import { terminalText } from '../core/terminal-text.js';

/** How much of the log end to read when looking for the last lines. */
const TAIL_BYTES = 64 * 1024;

/**
 * The last `count` non-empty lines of a log file, reading only what was written after
 * `fromOffset` (this run's part of an appended log). Colour codes are removed, other
 * control characters escaped (the lines are printed to the terminal). Never
 * throws: a missing or unreadable log gives no lines.
 */
export function logTail(file: string, fromOffset = 0, count = 20): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const start = Math.max(fromOffset, size - TAIL_BYTES);
    const length = Math.max(0, size - start);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, start);
    const lines = buffer
      .toString('utf8')
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
      .split(/\r?\n|\r/)
      .map((l) => terminalText(l.trimEnd()))
      .filter((l) => l.trim() !== '');
    // the first line may be cut in the middle when the window starts mid-file
    if (start > fromOffset && lines.length > count) lines.shift();
    return lines.slice(-count);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
