/** The values after `--name` on a benchmark's command line, up to the next flag (none: []). */
export function flagValues(args: readonly string[], name: string): string[] {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return [];
  const out: string[] = [];
  for (let k = i + 1; k < args.length && !args[k]!.startsWith('--'); k++) out.push(args[k]!);
  return out;
}
