import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see the old content or the new, never half of it. `data`
 * may come in pieces (an iterable of strings), so that a large file is never one string.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * The name of the file a temp file of `writeFileAtomic` was to become (`latest.json` for
 * `.latest.json.123.0a1b2c3d.tmp`), or null for any other name: what a killed write leaves.
 */
export function atomicWriteTarget(name: string): string | null {
  return /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/.exec(name)?.[1] ?? null;
}
