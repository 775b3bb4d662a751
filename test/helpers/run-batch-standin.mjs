#!/usr/bin/env node
/**
 * A stand-in for `vllm run-batch` (vllm/entrypoints/openai/run_batch.py) for tests: reads
 * an OpenAI batch input file, sends each line's body to an OpenAI-compatible server
 * (vllm-sim) and writes vLLM's output file: one BatchRequestOutput per input line, in
 * input order, as pydantic's model_dump_json writes it (compact, fields in declaration
 * order):
 *
 *   {"id":"vllm-<32 hex>","custom_id":...,"response":{"status_code":200,
 *    "request_id":"vllm-batch-<32 hex>","body":<the ChatCompletionResponse>},"error":null}
 *
 * As run_batch.py: only `/v1/chat/completions` is run; a line for any other URL gets
 * make_error_request_output's line (status 400, no body, `error` the message); an answer
 * that is an error (ErrorResponse) gets `status_code` its code, no body, `error` the
 * error; a request that fails otherwise (no answer) gets status 400 and `error` the
 * exception's text. A line that is not a BatchRequestInput stops the run, as pydantic's
 * validation error does there.
 *
 * What it does not do: apply a chat template. vLLM renders the messages with the model's
 * (or --chat-template's) template; vllm-sim has none: its chat endpoint joins the
 * messages' contents and wraps them as `[INST] ... [/INST]` itself, and answers by
 * recognising the prompt's wording.
 *
 *   node run-batch-standin.mjs -i INPUT.jsonl -o OUTPUT.jsonl --endpoint http://127.0.0.1:PORT/v1
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const SUPPORTED =
  'Supported endpoints: /v1/chat/completions, /v1/embeddings, /v1/audio/transcriptions, /v1/audio/translations, /score,  /rerank.';

function args(argv) {
  const out = { concurrency: 32 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (flag === '-i' || flag === '--input-file') out.input = value;
    else if (flag === '-o' || flag === '--output-file') out.output = value;
    else if (flag === '--endpoint') out.endpoint = value.replace(/\/+$/, '');
    else if (flag === '--concurrency') out.concurrency = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  if (!out.input || !out.output || !out.endpoint) throw new Error('usage: -i INPUT -o OUTPUT --endpoint URL');
  return out;
}

const uuid = () => randomUUID().replaceAll('-', '');

function output(customId, response, error) {
  return JSON.stringify({ id: `vllm-${uuid()}`, custom_id: customId, response, error });
}

/** make_error_request_output */
function errorLine(customId, message) {
  return output(customId, { status_code: 400, request_id: `vllm-batch-${uuid()}`, body: null }, message);
}

function parseInput(line, number) {
  const value = JSON.parse(line);
  for (const field of ['custom_id', 'method', 'url']) {
    if (typeof value?.[field] !== 'string') throw new Error(`line ${number}: ${field}: Field required`);
  }
  if (typeof value.body !== 'object' || value.body === null)
    throw new Error(`line ${number}: body: Field required`);
  return value;
}

async function run(request, endpoint) {
  if (request.url !== '/v1/chat/completions') {
    return errorLine(request.custom_id, `URL ${request.url} was used. ${SUPPORTED}`);
  }
  try {
    const res = await fetch(`${endpoint}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    const body = await res.json();
    if (res.status === 200) {
      return output(request.custom_id, { status_code: 200, request_id: `vllm-batch-${uuid()}`, body }, null);
    }
    return output(
      request.custom_id,
      { status_code: res.status, request_id: `vllm-batch-${uuid()}`, body: null },
      body,
    );
  } catch (e) {
    return errorLine(request.custom_id, e instanceof Error ? e.message : String(e));
  }
}

const options = args(process.argv.slice(2));
const requests = readFileSync(options.input, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '')
  .map(parseInput);
const results = new Array(requests.length);
let next = 0;
async function worker() {
  while (next < requests.length) {
    const i = next++;
    results[i] = await run(requests[i], options.endpoint);
  }
}
await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
writeFileSync(options.output, results.map((r) => `${r}\n`).join(''));
