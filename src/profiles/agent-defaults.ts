// What an agent gets when the file leaves a setting out: the environment's values,
// so a file can start small.
import type { Config } from '../config/config.ts';
import { defaultGreeting, defaultInstructions } from '../config/config.ts';
import type { Env } from './interpolate.ts';

export interface AgentDefaults {
  model: string;
  voice: string;
  instructions: string;
  greeting: string;
  transcriptionModel: string;
  /** Where agents without `transfers` send calls (REFER_TO); null: no transfer tool. */
  referTo: string | null;
  referSipHost: string | null;
  logPii: boolean;
  goodbyeMaxMs: number;
}

export function agentDefaultsFromConfig(config: Config): AgentDefaults {
  return {
    model: config.model,
    voice: config.voice,
    instructions: config.instructions,
    greeting: config.greeting,
    transcriptionModel: config.transcriptionModel,
    referTo: config.referTo,
    referSipHost: config.referSipHost,
    logPii: config.logPii,
    goodbyeMaxMs: config.goodbyeMaxMs,
  };
}

/** For `switchboard check`, which must work without the server's secrets. */
export function agentDefaultsFromEnv(env: Env): AgentDefaults {
  const get = (name: string) => (env[name] ? env[name] : undefined);
  const goodbye = Number(get('GOODBYE_MAX_MS'));
  return {
    model: get('OPENAI_MODEL') ?? 'gpt-realtime',
    voice: get('AGENT_VOICE') ?? 'marin',
    instructions: get('AGENT_INSTRUCTIONS') ?? defaultInstructions,
    greeting: get('GREETING') ?? defaultGreeting,
    transcriptionModel: get('TRANSCRIPTION_MODEL') ?? 'gpt-4o-mini-transcribe',
    referTo: get('REFER_TO') ?? null,
    referSipHost: get('REFER_SIP_HOST') ?? null,
    logPii: get('LOG_PII') === 'true',
    goodbyeMaxMs: Number.isFinite(goodbye) && goodbye > 0 ? goodbye : 8_000,
  };
}
