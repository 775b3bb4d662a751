import { spawn, spawnSync } from 'node:child_process';

/** A pid that certainly belonged to a process that has exited. */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/** A live process, other than this one, until `stop()`. */
export async function liveProcess(): Promise<{ pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return { pid: child.pid!, stop: () => child.kill() };
}
