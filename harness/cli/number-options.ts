import { checkNumber, type NumberRule } from '../core/number-rules.js';

// The rules and checks themselves are in core (suites declare options with them too).
export {
  checkNumber,
  describeRule,
  parseShare,
  PORT,
  repeatedOption,
  RESAMPLES,
  SECONDS,
  SEED,
  type NumberRule,
} from '../core/number-rules.js';

/**
 * A yargs `.check` that validates the numeric options `rules` names (given or defaulted);
 * the first one out of range fails the command before it starts.
 */
export function numberChecks(
  rules: Readonly<Record<string, NumberRule>>,
): (argv: Record<string, unknown>) => true {
  return (argv) => {
    for (const [name, rule] of Object.entries(rules)) checkNumber(name, argv[name], rule);
    return true;
  };
}
