import type { JudgeProfile } from './profile.js';

/** What `bench serve` needs of a profile to start vLLM with its judge. */
export interface ServeSettings {
  /** the weights to serve; null: the profile leaves the model open (the user names it) */
  readonly model: string | null;
  /** vLLM's `--max-model-len`; absent: the model's own */
  readonly maxModelLen?: number;
  /** the profile's vLLM arguments: `--quantization gptq`, `--chat-template FILE` */
  readonly extraArgs: readonly string[];
}

export function serveSettings(profile: JudgeProfile): ServeSettings {
  return {
    model: profile.model,
    ...(profile.contextLength === null ? {} : { maxModelLen: profile.contextLength }),
    extraArgs: [
      ...(profile.quantization ? ['--quantization', profile.quantization] : []),
      ...(profile.chatTemplate ? ['--chat-template', profile.chatTemplate.file] : []),
    ],
  };
}
