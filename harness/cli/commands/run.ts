import type { CommandRegistrar } from '../program.js';

/** Suites run under `bench run <suite>`; each registers itself as a subcommand. */
export function runCommand(suites: readonly CommandRegistrar[]): CommandRegistrar {
  return (cli, io, setExitCode) =>
    cli.command('run', 'judge a suite and measure the judge (alpacaeval, pairwise)', (sub) => {
      let y = sub;
      for (const register of suites) y = register(y, io, setExitCode);
      return y.demandCommand(1, 'name a suite: bench run alpacaeval | bench run pairwise');
    });
}
