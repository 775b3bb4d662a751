import { checkNumber, parseShare, repeatedOption, type NumberRule } from '../core/number-rules.js';

/**
 * A suite's options, declared as data: the CLI makes `bench run <suite>` flags of them
 * (name, type, default, description) and `readOptions` checks every value with the one
 * check of numeric options (harness/core/number-rules.ts), so a seed or a number of
 * resamples is held to the same rule in every suite.
 */
export type OptionDeclaration = NumberOption | ShareOption | StringOption | BooleanOption;

interface OptionBase {
  /** the flag without dashes, as the value's key: `bootstrap`, `tie-margin` */
  readonly name: string;
  readonly describe: string;
}

/** A number held to its rule (whole, bounds, unit): `--bootstrap 1000`. */
export interface NumberOption extends OptionBase, NumberRule {
  readonly type: 'number';
  readonly default?: number;
}

/** A share given as a fraction (0.95) or a percentage (95%); the suite gets the fraction. */
export interface ShareOption extends OptionBase {
  readonly type: 'share';
  /** a fraction, 0-1 */
  readonly default?: number;
}

export interface StringOption extends OptionBase {
  readonly type: 'string';
  readonly default?: string;
  readonly choices?: readonly string[];
  /** several values (`--models a b c`) */
  readonly array?: boolean;
  /**
   * An environment variable that stands in for the flag when it is not given (the CLI
   * reads it; messages then name the variable, see `SuiteContext.optionLabel`).
   */
  readonly env?: string;
}

export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

/**
 * The values of the declared options as the suite takes them (a share as its fraction),
 * each checked: a BenchError (exit code 2) names the first bad one. Values of options not
 * declared are left out; absent ones stay absent (defaults are the flags' business).
 */
export function readOptions(
  options: readonly OptionDeclaration[],
  raw: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of options) {
    const value = raw[option.name];
    if (value === undefined) continue;
    if (option.type === 'number') values[option.name] = checkNumber(option.name, value, option);
    else if (option.type === 'share') values[option.name] = parseShare(option.name, value);
    else if (Array.isArray(value) && !(option.type === 'string' && option.array))
      throw repeatedOption(option.name, value.length);
    else values[option.name] = value;
  }
  return values;
}
