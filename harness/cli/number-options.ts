import { BenchError } from '../core/errors.js';

/**
 * What a numeric option accepts. yargs turns `--x abc` into NaN and `--x 1e9` into 10^9
 * without a word, so every command checks its numeric options against one of these
 * before doing any work (see `numberChecks`).
 */
export interface NumberRule {
  /** whole numbers only */
  readonly integer?: boolean;
  /** smallest value allowed (inclusive) */
  readonly min?: number;
  /** the value must be above this (exclusive), e.g. 0 for a timeout */
  readonly above?: number;
  /** largest value allowed (inclusive) */
  readonly max?: number;
  /** what the number counts, for the message: "seconds", "instructions" */
  readonly unit?: string;
  /** why `max` is the maximum, for the message: "the instruction set has 805" */
  readonly maxReason?: string;
}

/** Whole numbers a seed can be: any integer JavaScript represents exactly. */
export const SEED: NumberRule = { integer: true };
/** Bootstrap resamples: 0 (none) up to 100,000 (intervals stop changing long before). */
export const RESAMPLES: NumberRule = { integer: true, min: 0, max: 100_000 };
/**
 * Seconds, above 0, up to a day. Timers take milliseconds as a 32-bit number: beyond
 * ~24.8 days Node fires them at once, so a larger value would mean "no time at all".
 */
export const SECONDS: NumberRule = { above: 0, max: 86_400, unit: 'seconds' };
/** A TCP port. */
export const PORT: NumberRule = { integer: true, min: 1, max: 65_535 };

/**
 * The value if it satisfies `rule`, else a one-line BenchError (exit 2) naming the option,
 * what it accepts and what it got. `undefined` (option not given, no default) passes.
 */
export function checkNumber(name: string, value: unknown, rule: NumberRule): number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw repeatedOption(name, value.length);
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isSafeInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max);
  if (ok) return value;
  const got =
    typeof value === 'number' && !Number.isNaN(value) ? String(value) : 'something that is not a number';
  throw new BenchError(`--${name} must be ${describeRule(rule)}, got ${got}`, { exitCode: 2 });
}

/** "a whole number >= 1 and <= 65535", "a number of seconds > 0 and <= 86400". */
export function describeRule(rule: NumberRule): string {
  const bounds = [
    rule.min !== undefined ? `>= ${rule.min}` : undefined,
    rule.above !== undefined ? `> ${rule.above}` : undefined,
    rule.max !== undefined ? `<= ${rule.max}` : undefined,
  ].filter((b) => b !== undefined);
  return (
    `${rule.integer ? 'a whole number' : 'a number'}${rule.unit ? ` of ${rule.unit}` : ''}` +
    (bounds.length ? ` ${bounds.join(' and ')}` : '') +
    (rule.maxReason ? ` (${rule.maxReason})` : '')
  );
}

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

/**
 * A share of something, given as a fraction (0.95) or a percentage (95%), as a fraction.
 * A bare number above 1 is refused rather than guessed at (is 1 one percent or all?).
 */
export function parseShare(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw repeatedOption(name, value.length);
  const text = String(value).trim();
  const percent = /^(\d+(?:\.\d*)?|\.\d+)%$/.exec(text);
  const fraction = /^(\d+(?:\.\d*)?|\.\d+)$/.exec(text);
  const share = percent ? Number(percent[1]) / 100 : fraction ? Number(fraction[1]) : NaN;
  if (!(share >= 0 && share <= 1)) {
    throw new BenchError(
      `--${name} must be a fraction from 0 to 1 (0.95) or a percentage (95%), got ${JSON.stringify(text)}`,
      { exitCode: 2 },
    );
  }
  return share;
}

/** An option that takes one value was given several times (yargs then makes a list of them). */
export function repeatedOption(name: string, times: number): BenchError {
  return new BenchError(`--${name} was given ${times} times; give it once`, { exitCode: 2 });
}
