import type { Argv } from 'yargs';
import { BenchError } from '../core/errors.js';
import type { Judge } from '../judge/judge.js';
import { createLengthJudge } from '../judge/length.js';
import type { RunOptions } from '../runner/run-judgments.js';
import type { CliIO } from './io.js';

export const JUDGES = ['autoj', 'autoj-bilingual', 'length'] as const;

/** Options every judging command shares: which judge, where it is served, where judgments are kept. */
export function judgeOptions<T>(y: Argv<T>) {
  return y
    .option('judge', { type: 'string', default: 'autoj', choices: JUDGES, describe: 'the judge' })
    .option('endpoint', {
      type: 'string',
      array: true,
      describe:
        'OpenAI-compatible base URL(s) of the judge server(s) [env BENCH_ENDPOINT; default http://127.0.0.1:8000/v1]',
    })
    .option('api-key', { type: 'string', describe: 'API key of the judge server(s) [env BENCH_API_KEY]' })
    .option('store', {
      type: 'string',
      describe: 'judgment store [env BENCH_STORE; default .bench/judgments.sqlite]',
    })
    .option('concurrency', { type: 'number', describe: 'requests in flight per endpoint [default 256]' })
    .option('max-failures', {
      type: 'number',
      describe: 'stop once more judgments than this failed [default: no limit]',
    });
}

export interface OpenedJudge {
  readonly judge: Judge;
  readonly run: Pick<RunOptions, 'cache' | 'client' | 'concurrency' | 'maxFailures'>;
  close(): Promise<void>;
}

export async function openJudge(
  args: {
    judge: string;
    endpoint?: string[];
    'api-key'?: string;
    store?: string;
    concurrency?: number;
    'max-failures'?: number;
  },
  _io: CliIO,
): Promise<OpenedJudge> {
  if (args.judge === 'length') {
    return { judge: createLengthJudge(), run: {}, close: async () => {} };
  }
  throw new BenchError(`judge "${args.judge}" is being wired; use --judge length`);
}
