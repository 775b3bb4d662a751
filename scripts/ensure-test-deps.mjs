// Runs before `npm test` (the `pretest` script): the browser tests drive Debian's Chromium
// through playwright-core, and their screenshots need a font. On a fresh machine neither is
// there, and npm cannot install them. When they are missing this installs them with
// apt-get if it can (root, Debian or Ubuntu); otherwise it stops with the one command to run,
// before any test starts, instead of failing a test file half way.
// Usage: node scripts/ensure-test-deps.mjs [--check]   (--check: say what is missing, install nothing)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const FONTS = '/usr/share/fonts/truetype/dejavu';
const PACKAGES = ['chromium', 'fonts-dejavu-core'];

const missing = [];
if (!existsSync(CHROMIUM)) missing.push('chromium');
if (!existsSync(FONTS)) missing.push('fonts-dejavu-core');
if (missing.length === 0) process.exit(0);

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = asRoot ? '' : 'sudo ';
const command = `${sudo}apt-get update && ${sudo}apt-get install -y ${PACKAGES.join(' ')}`;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (process.argv.includes('--check') || !asRoot || !hasApt) {
  const how = hasApt
    ? `run: ${command}`
    : `install Chromium at ${CHROMIUM} (Debian's package: chromium) and the DejaVu fonts`;
  console.error(`npm test: the browser tests need ${missing.join(' and ')}; ${how}`);
  process.exit(1);
}

console.error(`npm test: installing ${missing.join(', ')} for the browser tests (apt-get)...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', ...PACKAGES],
]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`npm test: \`apt-get ${args.join(' ')}\` failed; run: ${command}`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM)) {
  console.error(`npm test: apt-get installed chromium but ${CHROMIUM} is still missing; run: ${command}`);
  process.exit(1);
}
