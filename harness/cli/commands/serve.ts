import path from 'node:path';
import { BenchError, InterruptedError } from '../../core/errors.js';
import {
  builtInJudgeNames,
  loadJudgeProfile,
  serveSettings,
  type ServeSettings,
} from '../../judge/generative/index.js';
import { ServeError, startJudgeServer, type JudgeServer } from '../../serve/launcher.js';
import type { CliIO } from '../io.js';
import { judgeNames, LENGTH_JUDGE } from '../judge-options.js';
import { numberChecks, PORT, SECONDS } from '../number-options.js';
import type { CommandRegistrar } from '../program.js';

/**
 * `bench serve`: starts vLLM with the judge model, waits until it answers, stays in the
 * foreground until Ctrl-C / SIGTERM, then stops it. Prints the endpoint URL on stdout
 * (with --json: one JSON document) once the server is ready. What vLLM needs for the judge
 * (model, context length, quantization, chat template) comes from its profile (--judge);
 * --model and --max-model-len override the profile's.
 */
export const serveCommand: CommandRegistrar = (cli, io, setExitCode) =>
  cli.command(
    'serve',
    'start vLLM with the judge model and wait until it answers',
    (y) =>
      y
        // `bench serve -- --enable-prefix-caching ...`: arguments after -- go to vLLM as given
        .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
        .usage('$0 serve [options] [-- vLLM arguments]')
        .option('judge', {
          type: 'string',
          describe: `the judge whose model to serve: ${judgeNames()
            .filter((n) => n !== LENGTH_JUDGE)
            .join(', ')}, or the path of a profile file [default: the built-in judge of --model, else autoj]`,
        })
        .option('model', {
          type: 'string',
          describe: "model to serve (Hugging Face id or path) [default: the judge profile's]",
        })
        .option('served-model-name', { type: 'string', describe: 'name requests use (default: --model)' })
        .option('port', { type: 'number', default: 8000, describe: 'port to listen on' })
        .option('host', {
          type: 'string',
          default: '127.0.0.1',
          describe: 'address to bind (0.0.0.0 serves other machines; then use --api-key)',
        })
        .option('max-model-len', {
          type: 'number',
          describe: "context length [default: the judge profile's (autoj: 4096), else the model's own]",
        })
        .option('tensor-parallel-size', { type: 'number', default: 1, describe: 'GPUs per model replica' })
        .option('gpu-memory-utilization', {
          type: 'number',
          default: 0.9,
          describe: 'share of GPU memory vLLM may use',
        })
        .option('vllm', {
          type: 'string',
          default: 'vllm',
          describe: 'vLLM executable (name on PATH or path)',
        })
        .option('log', {
          type: 'string',
          default: '.bench/vllm.log',
          describe: "file that receives all of vLLM's output",
        })
        .option('timeout', {
          type: 'number',
          default: 1200,
          describe: 'seconds to wait until vLLM answers (a first start downloads the model)',
        })
        .option('api-key', {
          type: 'string',
          describe: 'make vLLM require this key (default: $BENCH_API_KEY); given to vLLM via its environment',
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the ready server as one JSON document',
        })
        .example('$0 serve', "serve the autoj judge's model on http://127.0.0.1:8000/v1")
        .example('$0 serve --judge autoj-gptq', 'the 4-bit Auto-J (vLLM --quantization gptq) for a 24 GB GPU')
        .example('$0 serve --judge mtbench --model meta-llama/Meta-Llama-3-70B-Instruct', 'any chat model')
        .example('$0 serve --tensor-parallel-size 2 -- --max-num-seqs 256', 'two GPUs, extra vLLM arguments')
        .check(
          numberChecks({
            port: PORT,
            'max-model-len': { integer: true, min: 1, max: 1_048_576 },
            'tensor-parallel-size': { integer: true, min: 1, max: 1_024 },
            'gpu-memory-utilization': { above: 0, max: 1 },
            timeout: SECONDS,
          }),
        ),
    async (argv) => {
      const apiKey = argv.apiKey ?? io.env.BENCH_API_KEY ?? undefined;
      const settings = profileSettings(argv.judge, argv.model, io);
      const model = argv.model ?? settings.model;
      if (model === null) {
        throw new BenchError(
          `judge ${argv.judge ?? 'autoj'} leaves the model open: name the model to serve with --model (Hugging Face id or path)`,
          { exitCode: 2 },
        );
      }
      const maxModelLen = argv.maxModelLen ?? settings.maxModelLen;
      // the profile's vLLM arguments first, so that the user's after -- win
      const extraArgs = [...settings.extraArgs, ...((argv['--'] as unknown[] | undefined) ?? []).map(String)];
      let server: JudgeServer;
      try {
        server = await startJudgeServer({
          model,
          ...(argv.servedModelName === undefined ? {} : { servedModelName: argv.servedModelName }),
          host: argv.host,
          port: argv.port,
          ...(maxModelLen === undefined ? {} : { maxModelLen }),
          tensorParallelSize: argv.tensorParallelSize,
          gpuMemoryUtilization: argv.gpuMemoryUtilization,
          extraArgs,
          vllm: argv.vllm,
          logFile: argv.log,
          cwd: io.cwd,
          env: io.env,
          timeoutMs: argv.timeout * 1000,
          signal: io.signal,
          onStatus: (line) => io.stderr(`bench serve: ${line}\n`),
          ...(apiKey ? { apiKey } : {}),
        });
      } catch (e) {
        if (io.signal.aborted) throw new InterruptedError('interrupted before vLLM was ready; stopped it');
        if (e instanceof ServeError && e.logFile !== undefined) printTail(io, e.logFile, e.logTail);
        throw e;
      }

      io.stdout(
        argv.json
          ? `${JSON.stringify({
              url: server.url,
              model: server.model,
              maxModelLen: server.maxModelLen ?? null,
              pid: server.pid,
              log: server.logFile,
            })}\n`
          : `${server.url}\n`,
      );
      io.stderr(
        `bench serve: judge server ready at ${server.url} (model ${server.model}); Ctrl-C stops it\n`,
      );

      const stopped = await Promise.race([
        server.exited.then(() => false),
        new Promise<true>((resolve) => {
          if (io.signal.aborted) resolve(true);
          io.signal.addEventListener('abort', () => resolve(true), { once: true });
        }),
      ]);
      if (stopped) {
        io.stderr('bench serve: stopping vLLM\n');
        await server.stop();
        io.stderr('bench serve: vLLM stopped\n');
        setExitCode(0);
        return;
      }
      const exit = await server.exited;
      const tail = server.logTail();
      printTail(io, server.logFile, tail);
      const how = exit.code !== null ? `with code ${exit.code}` : `(${exit.signal})`;
      throw new ServeError('exited', `vLLM exited ${how} while serving (log: ${shown(io, server.logFile)})`, {
        logFile: server.logFile,
        tail,
      });
    },
  );

/**
 * What vLLM needs for the judge: of --judge (a built-in name or a profile file); without
 * it, of the built-in judge whose model --model is (`--model prometheus-eval/...` gets
 * prometheus2's context and chat template), nothing for another model, autoj's without
 * --model.
 */
function profileSettings(judge: string | undefined, model: string | undefined, io: CliIO): ServeSettings {
  if (judge === LENGTH_JUDGE) {
    throw new BenchError('the length judge runs in process: it needs no server', { exitCode: 2 });
  }
  if (judge !== undefined) return serveSettings(loadJudgeProfile(judge, { cwd: io.cwd }));
  if (model === undefined) return serveSettings(loadJudgeProfile('autoj'));
  const builtIn = builtInJudgeNames()
    .map((name) => loadJudgeProfile(name))
    .find((p) => p.model === model);
  return builtIn ? serveSettings(builtIn) : { model, extraArgs: [] };
}

function printTail(io: CliIO, logFile: string, tail: readonly string[]): void {
  if (tail.length === 0) return;
  io.stderr(
    `bench serve: last ${tail.length} lines of ${shown(io, logFile)}:\n${tail.map((l) => `  ${l}\n`).join('')}`,
  );
}

/** A path relative to the working directory when it is inside it. */
function shown(io: CliIO, file: string): string {
  const relative = path.relative(io.cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
