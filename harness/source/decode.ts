import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { InputError, errorMessage } from '../core/errors.js';

/** Bytes of a `.json` or `.json.gz` file -> parsed JSON; a bad file is an InputError naming it. */
const gunzipAsync = promisify(gunzip);

/** Decompression runs on libuv's thread pool, so several files decode in parallel. */
export async function decodeJson(bytes: Uint8Array, name: string): Promise<unknown> {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      text = (await gunzipAsync(bytes)).toString('utf8');
    } catch (e) {
      throw new InputError(name, `not a valid gzip file (${errorMessage(e)})`);
    }
  } else {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = text.trim().length === 0 ? 'empty file' : `invalid JSON (${errorMessage(e)})`;
    throw new InputError(
      name,
      text.length > 0 && isTruncated(text) ? `truncated JSON (${errorMessage(e)})` : hint,
    );
  }
}

function isTruncated(text: string): boolean {
  const end = text.trimEnd();
  return !(end.endsWith(']') || end.endsWith('}'));
}
