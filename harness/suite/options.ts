import { BenchError } from '../core/errors.js';

/**
 * A suite's options, declared as data: the CLI makes `bench run <suite>` flags of them
 * (name, type, default, description) and `checkOption` checks every value, so a seed or
 * a number of resamples is checked the same way in every suite.
 */
export type OptionDeclaration = NumberOption | StringOption | BooleanOption;

interface OptionBase {
  /** the flag without dashes, as the value's key: `bootstrap`, `tie-margin` */
  readonly name: string;
  readonly describe: string;
  /**
   * An environment variable that stands in for the flag when it is not given (the CLI
   * reads it; messages then name the variable, see `SuiteContext.optionLabel`).
   */
  readonly env?: string;
}

export interface NumberOption extends OptionBase {
  readonly type: 'number';
  /** a whole number (a seed, a count) */
  readonly integer?: boolean;
  /** the smallest value allowed */
  readonly min?: number;
  readonly default?: number;
}

export interface StringOption extends OptionBase {
  readonly type: 'string';
  readonly default?: string;
  readonly choices?: readonly string[];
  /** several values (`--models a b c`) */
  readonly array?: boolean;
}

export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

/**
 * What is wrong with `value` for `option` ("must be a whole number >= 0, got -1"), or
 * null when it is fine. An absent value is fine: defaults are the declaration's business.
 */
export function optionProblem(option: OptionDeclaration, value: unknown): string | null {
  if (value === undefined) return null;
  if (option.type === 'number') {
    const bound = option.min === undefined ? '' : ` >= ${option.min}`;
    const kind = option.integer ? 'a whole number' : 'a number';
    const ok =
      typeof value === 'number' &&
      (option.integer ? Number.isSafeInteger(value) : Number.isFinite(value)) &&
      (option.min === undefined || value >= option.min);
    return ok ? null : `must be ${kind}${bound}, got ${String(value)}`;
  }
  if (option.type === 'string') {
    const values = option.array && Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') return `must be a string, got ${String(v)}`;
      if (option.choices && !option.choices.includes(v))
        return `must be one of ${option.choices.join(', ')}, got ${v}`;
    }
    return null;
  }
  return typeof value === 'boolean' ? null : `must be true or false, got ${String(value)}`;
}

/**
 * Checks every declared option of `values`; throws a BenchError (exit code 2, the usage
 * error) naming the first bad one as `label` names it (`--bootstrap` on the command line).
 */
export function checkOptions(
  options: readonly OptionDeclaration[],
  values: Readonly<Record<string, unknown>>,
  label: (name: string) => string = (name) => name,
): void {
  for (const option of options) {
    const problem = optionProblem(option, values[option.name]);
    if (problem !== null) throw new BenchError(`${label(option.name)} ${problem}`, { exitCode: 2 });
  }
}
