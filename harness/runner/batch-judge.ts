import { BenchError, errorMessage } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import type { JudgeInfo } from '../core/types.js';
import {
  builtInJudgeNames,
  createGenerativeJudge,
  loadJudgeProfile,
  type GenerativeJudge,
  type JudgeProfile,
} from '../judge/generative/index.js';
import type { Judge } from '../judge/judge.js';
import { createLengthJudge } from '../judge/length.js';
import { JudgeSettingsError, LENGTH_JUDGE, type JudgeSessionSettings } from './judge-session.js';
import type { LoadedManifest } from './batch-files.js';

/**
 * The judge of a batch export or import, built without a server: a batch is run by an
 * engine elsewhere, so nothing is probed. What a live run reads from the server (the model
 * an open profile is served as, the context length of a profile that takes the served one)
 * has to be given; the keys, and so the requests, are the ones a live run against a server
 * with that model and context length sends.
 */
export function batchJudge(
  settings: Pick<JudgeSessionSettings, 'judge' | 'protocol' | 'language' | 'model' | 'servedModelName'>,
  contextLength?: number,
): GenerativeJudge {
  if (settings.judge === LENGTH_JUDGE) {
    throw new BenchError(
      `judge ${LENGTH_JUDGE} runs in process and sends no requests: there is nothing to export`,
      { exitCode: 2 },
    );
  }
  const profile = settings.judge;
  const model = settings.model ?? (profile.model === null ? settings.servedModelName : undefined);
  if (profile.model === null && model === undefined) {
    throw new JudgeSettingsError(
      'model',
      profile.name,
      `judge ${profile.name} leaves the model open and a batch has no server to ask: name the model`,
    );
  }
  const maxModelLen = contextLength ?? profile.contextLength ?? undefined;
  if (maxModelLen === undefined) {
    throw new BenchError(
      `judge ${profile.name} takes the served model's context length and a batch has no server to ask: give --context-length (the engine's --max-model-len)`,
      { exitCode: 2 },
    );
  }
  return build(profile, {
    protocol: settings.protocol ?? 'single',
    ...(settings.language === undefined ? {} : { language: settings.language }),
    ...(model === undefined ? {} : { model }),
    ...(settings.servedModelName === undefined ? {} : { servedModelName: settings.servedModelName }),
    maxModelLen,
  });
}

/**
 * The judge a manifest was exported with, from its own record (profile file, model, served
 * name, protocol, language): what import parses the answers with. `importBatch` checks that
 * its identity (template version, sampling) is still the manifest's.
 */
export function manifestJudge(batch: LoadedManifest, cwd: string): GenerativeJudge {
  const m = batch.manifest.judge;
  let profile: JudgeProfile;
  try {
    // a built-in profile is recorded as `judges/<name>.yaml` (as messages show it), not as a path from cwd
    const builtIn = m.profile === `judges/${m.name}.yaml` && builtInJudgeNames().includes(m.name);
    profile = loadJudgeProfile(builtIn ? m.name : m.profile, { cwd });
  } catch (e) {
    throw new BenchError(`${batch.file}: its judge's profile ${m.profile}: ${errorMessage(e)}`, { cause: e });
  }
  return build(profile, {
    protocol: m.protocol,
    language: m.language,
    ...(profile.model === null ? { model: m.model } : {}),
    servedModelName: m.servedModel,
    // parsing does not depend on it; a profile that takes the served one records none
    maxModelLen: profile.contextLength ?? 1 << 30,
  });
}

function build(profile: JudgeProfile, options: Parameters<typeof createGenerativeJudge>[1]): GenerativeJudge {
  try {
    return createGenerativeJudge(profile, options);
  } catch (e) {
    throw new JudgeSettingsError('judge', profile.name, errorMessage(e), { cause: e });
  }
}

/**
 * The judge a run's result names (its `judge` record), rebuilt without a server to find
 * that run's judgments in the store again (`bench runs diff`), or why it cannot be: a
 * profile that is not built in, or whose templates or sampling changed since the run.
 */
export function judgeOfRecord(info: JudgeInfo): Judge | string {
  if (info.name === LENGTH_JUDGE) {
    const judge = createLengthJudge();
    return judge.info.templateVersion === info.templateVersion
      ? judge
      : `the ${LENGTH_JUDGE} judge changed since the run (version ${info.templateVersion}, now ${judge.info.templateVersion})`;
  }
  if (!builtInJudgeNames().includes(info.name)) return `judge ${info.name} is not a built-in profile`;
  const profile = loadJudgeProfile(info.name);
  if (profile.contextLength === null)
    return `judge ${info.name} takes the served model's context length, which the run does not record`;
  for (const language of profile.languages) {
    let judge: GenerativeJudge;
    try {
      judge = build(profile, {
        protocol: info.protocol,
        language,
        ...(profile.model === null ? { model: info.model } : {}),
        servedModelName: info.model,
        maxModelLen: profile.contextLength,
      });
    } catch {
      continue;
    }
    if (
      judge.info.templateVersion === info.templateVersion &&
      canonicalJson(judge.info.sampling ?? null) === canonicalJson(info.sampling ?? null)
    )
      return judge;
  }
  return `judge ${info.name}'s profile changed since the run (template ${info.templateVersion} or its sampling is not the profile's now)`;
}
