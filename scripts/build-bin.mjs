// After tsc: marks the `bench` entry (dist/bin/bench.js) executable, and writes a shim at
// the entry's path before the suite registry moved it, dist/harness/cli/bin.js. npx links the
// project's own bin into its cache (~/.npm/_npx) once per project folder and never
// refreshes that link, so a clone updated in place (or a new clone in the same folder)
// would otherwise answer `npx bench` with "Permission denied".
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

chmodSync('dist/bin/bench.js', 0o755);
mkdirSync('dist/harness/cli', { recursive: true });
writeFileSync(
  'dist/harness/cli/bin.js',
  "#!/usr/bin/env node\n// The old path of the bench entry (see scripts/build-bin.mjs).\nimport '../../bin/bench.js';\n",
  { mode: 0o755 },
);
chmodSync('dist/harness/cli/bin.js', 0o755);
