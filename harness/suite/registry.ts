import { BenchError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { AnySuite } from './contract.js';

/** Suite names go into archive file names (`<time>_<suite>_<judge>.json`) and site paths. */
const SUITE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The suites `bench` knows, in the order it lists them. The CLI is given one (bin/bench.ts
 * composes the built-in suites of suites/index.ts); a program or a test may add its own.
 */
export class SuiteRegistry {
  readonly suites: readonly AnySuite[];

  constructor(suites: readonly AnySuite[]) {
    const seen = new Set<string>();
    for (const s of suites) {
      if (!SUITE_NAME.test(s.name))
        throw new BenchError(`suite name "${s.name}" must be lower-case letters, digits and -`);
      if (seen.has(s.name)) throw new BenchError(`two suites are called "${s.name}"`);
      seen.add(s.name);
    }
    this.suites = [...suites];
  }

  get names(): string[] {
    return this.suites.map((s) => s.name);
  }

  find(name: string): AnySuite | undefined {
    return this.suites.find((s) => s.name === name);
  }

  /** The suite called `name`; an unknown name is a usage error listing the known ones. */
  get(name: string): AnySuite {
    const suite = this.find(name);
    if (suite) return suite;
    throw new BenchError(
      `unknown suite "${name}"${didYouMean(name, this.names)} (known: ${this.names.join(', ')})`,
      { exitCode: 2 },
    );
  }

  /** This registry with more suites after its own. */
  with(...more: readonly AnySuite[]): SuiteRegistry {
    return new SuiteRegistry([...this.suites, ...more]);
  }
}
