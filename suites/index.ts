/**
 * The built-in suites, in the order `bench run --help` lists them. A new suite is a folder
 * here (suites/<name>/) declaring a `Suite` (harness/suite/contract.ts) and one line below;
 * see README, "Adding a suite". The CLI is given this registry by bin/bench.ts: nothing
 * under harness/ imports suites/.
 */
import { SuiteRegistry } from '../harness/suite/registry.js';
import { alpacaEvalSuite } from './alpacaeval/index.js';
import { bestOfNSuite } from './bestofn/index.js';
import { critiqueSuite } from './critique/index.js';
import { pairwiseSuite } from './pairwise/index.js';
import { scenariosSuite } from './scenarios/index.js';

export const builtInSuites = new SuiteRegistry([
  alpacaEvalSuite,
  pairwiseSuite,
  critiqueSuite,
  scenariosSuite,
  bestOfNSuite,
]);
