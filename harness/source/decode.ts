import { isAscii } from 'node:buffer';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { InputError, errorMessage } from '../core/errors.js';
import { DEFAULT_SOURCE_LIMITS, formatBytes } from './files.js';

const gunzipAsync = promisify(gunzip);

/**
 * Bytes of a `.json` or `.json.gz` file -> parsed JSON; a bad file is an InputError naming
 * it. The JSON text is at most `maxBytes`, decompressed: a gzip bomb stops at the cap.
 * Decompression runs on libuv's thread pool, so several files decode in parallel.
 */
export async function decodeJson(
  bytes: Uint8Array,
  name: string,
  options: { maxBytes?: number } = {},
): Promise<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_SOURCE_LIMITS.maxDecodedBytes;
  const tooBig = (what: string) =>
    new InputError(name, `${what} more than ${formatBytes(maxBytes)} of JSON, the limit (not read)`);
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let json: Buffer;
    try {
      json = await gunzipAsync(bytes, {
        maxOutputLength: maxBytes,
        chunkSize: gunzipChunkSize(bytes, maxBytes),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig('expands to');
      throw new InputError(name, `not a valid gzip file (${errorMessage(e)})`);
    }
    text = jsonText(json);
  } else {
    if (bytes.length > maxBytes) throw tooBig('holds');
    text = jsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    if (text.trim().length === 0) throw new InputError(name, 'empty file');
    const { problem, atEnd } = jsonSyntaxError(e, text);
    throw new InputError(name, `${atEnd ? 'truncated' : 'invalid'} JSON (${problem})`);
  }
}

/**
 * The text of UTF-8 bytes. Most submissions are ASCII (Python's json.dump escapes the rest),
 * and ASCII read as latin1 is the same text, copied byte for byte into a one-byte string:
 * twice as fast as the UTF-8 decoder, which checks every byte (344 MB in a full run).
 */
function jsonText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * zlib's output buffer for a gzip: as large as the size its trailer states (ISIZE, the
 * size mod 2^32 of the last member), so that a submission inflates in one piece. Node's
 * default, 16 KiB, hands a 5 MB submission over in 300 pieces, each a callback on this
 * thread, and doubles the CPU time of a full run's decoding. ISIZE is a hint from an
 * untrusted file: a wrong one costs at most a buffer of MAX_CHUNK before zlib refuses the
 * file (it checks the trailer), and zlib stops at `maxBytes` whatever the trailer says.
 */
function gunzipChunkSize(bytes: Uint8Array, maxBytes: number): number {
  const n = bytes.length;
  const stated =
    n >= 18 ? (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16)) + bytes[n - 1]! * 2 ** 24 : 0;
  // one byte more than stated: a buffer filled exactly makes zlib allocate another one
  return Math.max(MIN_CHUNK, Math.min(stated + 1, maxBytes + 1, MAX_CHUNK));
}

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;

/**
 * What JSON.parse found wrong, and where, without the input: V8's "Unexpected token"
 * messages quote the text around the error (`"root:x:0:0"...`), which must never reach a
 * skip reason, a snapshot or a page. Messages with a position quote nothing.
 */
export function jsonSyntaxProblem(error: unknown, text: string): string {
  return jsonSyntaxError(error, text).problem;
}

/** `atEnd`: the text stopped where more was expected (a cut download or copy). */
function jsonSyntaxError(error: unknown, text: string): { problem: string; atEnd: boolean } {
  const message = errorMessage(error);
  if (message.startsWith('Unexpected end of JSON input')) {
    return { problem: 'unexpected end of input', atEnd: true };
  }
  const at = /^([^"]*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!at) return { problem: 'unexpected character', atEnd: false };
  const position = Number(at[2]);
  return {
    problem: `${at[1]} at ${lineAndColumn(text, position)}`,
    atEnd: position >= text.trimEnd().length,
  };
}

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line} column ${position - lineStart + 1}`;
}
