import type { ChatMessage, PreparedRequest } from '../judge.js';
import type { JudgeProfile, ProfileText } from './profile.js';

/**
 * A raw-prompt judge's requests for engines that take chat requests only.
 *
 * `vllm run-batch` generates for `/v1/chat/completions` only (run_batch.py answers a line
 * of any other generation URL with an error line), so a judge sent to `/v1/completions`
 * (Auto-J) goes there as one
 * user message: the filled template, without the wrapper. The profile's
 * `batch_chat_template` puts the wrapper back, after the BOS token: vLLM's completions
 * endpoint tokenizes a raw prompt with `add_special_tokens` true (Llama-2: `<s>` first),
 * its chat endpoint renders the template and tokenizes the text with `add_special_tokens`
 * false (ChatCompletionRequest's default: "the chat template takes care of adding the
 * special tokens"), so the template must render `<s>[INST] ... [/INST]`, and the BOS is
 * neither lost nor doubled. test/batch/chat-template.test.ts renders the built-in template
 * with Hugging Face's Jinja and compares it with `<s>` + the raw prompt of live requests.
 */

/** The chat template that renders a raw-prompt profile's wrapper; undefined when it has none. */
export function batchChatTemplate(profile: JudgeProfile): ProfileText | undefined {
  return profile.endpoint.kind === 'completions' ? profile.batchChatTemplate : profile.chatTemplate;
}

/**
 * The request's prompt as the one user message a batch chat template wraps: the raw
 * prompt without the profile's wrapper. Throws when the profile is not a raw-prompt one
 * or the prompt is not wrapped by it (a request of another judge).
 */
export function rawPromptAsChat(profile: JudgeProfile, request: PreparedRequest): ChatMessage[] {
  if (profile.endpoint.kind !== 'completions' || request.messages !== undefined) {
    throw new Error(`judge ${profile.name} sends chat requests already`);
  }
  const [before, after] = profile.endpoint.wrapper.split('{input}') as [string, string];
  const { prompt } = request;
  if (prompt.length < before.length + after.length || !prompt.startsWith(before) || !prompt.endsWith(after)) {
    throw new Error(`request ${request.key} is not wrapped in judge ${profile.name}'s wrapper`);
  }
  return [{ role: 'user', content: prompt.slice(before.length, prompt.length - after.length) }];
}
