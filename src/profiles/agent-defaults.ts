// What an agent gets when the file leaves a setting out: the environment's values,
// so a file can start small.
import { defaultAnalysisModel } from '../analysis/analysis-spec.ts';
import type { Config } from '../config/config.ts';
import { defaultGreeting, defaultInstructions } from '../config/config.ts';
import {
  defaultDelegationModel,
  defaultLiveModel,
  defaultRealtimeModel,
  defaultTranscriptionModel,
  type Surface,
  surfaces,
} from '../openai/surface.ts';
import { checkAllowListEntry } from '../sip/host-allow-list.ts';
import type { Env } from './interpolate.ts';

export interface AgentDefaults {
  surface: Surface;
  /** The Realtime model. */
  model: string;
  liveModel: string;
  delegationModel: string;
  /** null: derived from each agent's instructions. */
  delegationInstructions: string | null;
  /** For agents on GPT-Live. */
  recording: boolean;
  voice: string;
  instructions: string;
  greeting: string;
  transcriptionModel: string;
  /** Where agents without `transfers` send calls (REFER_TO); null: no transfer tool. */
  referTo: string | null;
  referSipHost: string | null;
  /** CARRIER_ALLOWED_HOSTS: the allow-list when the file sets no `carrier.allowedHosts`. */
  carrierAllowedHosts: readonly string[] | null;
  referTimeoutMs: number;
  logPii: boolean;
  goodbyeMaxMs: number;
  /** Model of the post-call analysis when an agent's `analysis` names none (ANALYSIS_MODEL). */
  analysisModel: string;
}

export function agentDefaultsFromConfig(config: Config): AgentDefaults {
  return {
    surface: config.surface,
    model: config.model,
    liveModel: config.liveModel,
    delegationModel: config.delegationModel,
    delegationInstructions: config.delegationInstructions,
    recording: config.recording,
    voice: config.voice,
    instructions: config.instructions,
    greeting: config.greeting,
    transcriptionModel: config.transcriptionModel,
    referTo: config.referTo,
    referSipHost: config.referSipHost,
    carrierAllowedHosts: config.carrierAllowedHosts,
    referTimeoutMs: config.referTimeoutMs,
    logPii: config.logPii,
    goodbyeMaxMs: config.goodbyeMaxMs,
    analysisModel: config.analysisModel,
  };
}

/** For `switchboard check`, which must work without the server's secrets. */
export function agentDefaultsFromEnv(env: Env): AgentDefaults {
  const get = (name: string) => (env[name] ? env[name] : undefined);
  const goodbye = Number(get('GOODBYE_MAX_MS'));
  const referTimeout = Number(get('REFER_TIMEOUT_MS'));
  // The server refuses a bad entry at startup; check only needs the good ones for its warnings.
  const allowed = (get('CARRIER_ALLOWED_HOSTS')?.split(',') ?? [])
    .map((s) => s.trim())
    .filter((s) => s !== '' && checkAllowListEntry(s).ok);
  const surface = get('AGENT_SURFACE');
  return {
    // An invalid AGENT_SURFACE is reported by the check itself; agents then default to realtime.
    surface: surfaces.find((s) => s === surface) ?? 'realtime',
    model: get('OPENAI_MODEL') ?? defaultRealtimeModel,
    liveModel: get('LIVE_MODEL') ?? defaultLiveModel,
    delegationModel: get('DELEGATION_MODEL') ?? defaultDelegationModel,
    delegationInstructions: get('DELEGATION_INSTRUCTIONS') ?? null,
    recording: get('RECORDING') === 'true',
    voice: get('AGENT_VOICE') ?? 'marin',
    instructions: get('AGENT_INSTRUCTIONS') ?? defaultInstructions,
    greeting: get('GREETING') ?? defaultGreeting,
    transcriptionModel: get('TRANSCRIPTION_MODEL') ?? defaultTranscriptionModel,
    referTo: get('REFER_TO') ?? null,
    referSipHost: get('REFER_SIP_HOST') ?? null,
    carrierAllowedHosts: allowed.length > 0 ? allowed : null,
    referTimeoutMs: Number.isFinite(referTimeout) && referTimeout > 0 ? referTimeout : 5_000,
    logPii: get('LOG_PII') === 'true',
    goodbyeMaxMs: Number.isFinite(goodbye) && goodbye > 0 ? goodbye : 8_000,
    analysisModel: get('ANALYSIS_MODEL') ?? defaultAnalysisModel,
  };
}
