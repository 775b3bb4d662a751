import { isAbsolute, join, resolve } from 'node:path';
import type { CliIO } from './io.js';

/**
 * The one place that reads the environment. Precedence: flags > environment > defaults.
 */
export const UPSTREAM_SOURCE = 'https://raw.githubusercontent.com/tatsu-lab/alpaca_eval/main/';
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8000/v1';

/** Runtime state (store, run results, caches, logs): git-ignored, under the working directory. */
export function workDir(io: CliIO): string {
  return resolve(io.cwd, io.env.BENCH_HOME ?? '.bench');
}

export function resolveSource(flag: string | undefined, io: CliIO): string {
  const value = flag ?? io.env.ALPACA_EVAL_SOURCE ?? UPSTREAM_SOURCE;
  return /^https?:\/\//i.test(value) || isAbsolute(value) ? value : resolve(io.cwd, value);
}

export function resolveEndpoints(flags: readonly string[] | undefined, io: CliIO): string[] {
  const fromEnv = io.env.BENCH_ENDPOINT?.split(/[\s,]+/).filter(Boolean);
  const list =
    flags && flags.length > 0 ? flags : fromEnv && fromEnv.length > 0 ? fromEnv : [DEFAULT_ENDPOINT];
  return list.flatMap((e) => e.split(',')).filter(Boolean);
}

/** Never logged or written anywhere; only sent as the bearer token. */
export function resolveApiKey(flag: string | undefined, io: CliIO): string | undefined {
  return flag ?? io.env.BENCH_API_KEY ?? undefined;
}

export function resolveStorePath(flag: string | undefined, io: CliIO): string {
  const value = flag ?? io.env.BENCH_STORE;
  return value ? resolve(io.cwd, value) : join(workDir(io), 'judgments.sqlite');
}

export function runsDir(io: CliIO): string {
  return join(workDir(io), 'runs');
}

export function httpCacheDir(io: CliIO): string {
  return join(workDir(io), 'cache', 'http');
}

/** Published leaderboard snapshots: `leaderboards/` of the working directory [env BENCH_LEADERBOARDS]. */
export function resolveLeaderboardsDir(flag: string | undefined, io: CliIO): string {
  return resolve(io.cwd, flag ?? io.env.BENCH_LEADERBOARDS ?? 'leaderboards');
}

/** The rendered report site: `site/` of the working directory [env BENCH_SITE]. */
export function resolveSiteDir(flag: string | undefined, io: CliIO): string {
  return resolve(io.cwd, flag ?? io.env.BENCH_SITE ?? 'site');
}
