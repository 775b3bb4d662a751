/**
 * Starting vLLM fails with engine words only (harness/serve/launcher.ts names no bench
 * flag); the CLI adds the flags that fix it (issue 10: engine errors do not name CLI flags).
 */
import { describe, expect, it } from 'vitest';
import { withAdvice } from '../../harness/cli/advice.js';
import { ServeError } from '../../harness/serve/launcher.js';

const flag = /--[a-z]/;

describe('advice for vLLM start failures', () => {
  const cases: [ServeError, string][] = [
    [
      new ServeError(
        'port-in-use',
        'something already listens on 127.0.0.1:8000 (a judge server already running at http://127.0.0.1:8000/v1?)',
        {
          subject: 'http://127.0.0.1:8000/v1',
        },
      ),
      'something already listens on 127.0.0.1:8000 (a judge server already running at http://127.0.0.1:8000/v1?); ' +
        'use it with --endpoint http://127.0.0.1:8000/v1, or pick another --port (bench run: --serve-port)',
    ],
    [
      new ServeError(
        'not-ready',
        'vLLM did not answer /health and /v1/models within 1 s; stopped it (log: x.log; a first start downloads the model)',
      ),
      'vLLM did not answer /health and /v1/models within 1 s; stopped it (log: x.log; a first start downloads the model); raise --timeout',
    ],
    [
      new ServeError('port', 'port 0 is not a TCP port (1-65535)'),
      'port 0 is not a TCP port (1-65535); pick one with --port (bench run: --serve-port)',
    ],
    [
      new ServeError('vllm-missing', './bin/vllm: no executable file there; install vLLM or fix the path', {
        subject: './bin/vllm',
      }),
      '--vllm ./bin/vllm: no executable file there; install vLLM or fix the path',
    ],
  ];
  it.each(cases)('%s', (error, expected) => {
    expect(error.message).not.toMatch(flag);
    expect(withAdvice(error.message, error)).toBe(expected);
  });

  it('adds nothing to a failure no flag fixes', () => {
    const e = new ServeError('exited', 'vLLM exited with code 1 before it was ready (log: x.log)');
    expect(withAdvice(e.message, e)).toBe(e.message);
  });
});
