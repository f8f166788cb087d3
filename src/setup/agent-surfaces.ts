// Which surfaces (Realtime, GPT-Live) and which models the configured agents use, for
// setup (event types) and doctor (models). Read from the raw profile file, defensively:
// a key the schema does not know yet (`surface`) must not stop setup, and a file the
// schema refuses still says which surfaces it means (doctor reports the file separately).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultDelegationModel, defaultLiveModel, defaultRealtimeModel, defaultTranscriptionModel } from '../openai/surface.ts';
import { type Env, interpolateTree } from '../profiles/interpolate.ts';
import type { Problem } from '../profiles/problem.ts';
import { profilesPath } from '../profiles/profiles-path.ts';
import type { Surface } from './event-types.ts';

export interface ConfiguredModel {
  id: string;
  /** Where it is set, for the fix: `OPENAI_MODEL`, `agents.sales.model`, … */
  setting: string;
  kind: 'realtime' | 'live' | 'transcription' | 'delegation';
}

export interface AgentSurfaces {
  surfaces: Set<Surface>;
  /** Agents on GPT-Live ('default' for the environment's agent). */
  liveAgents: string[];
  models: ConfiguredModel[];
  /** Where the agents came from. */
  source: { kind: 'environment' } | { kind: 'file'; path: string };
  /** Why the file could not be read for this (doctor's profile check says more). */
  unreadable: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const isLive = (v: unknown): boolean => text(v)?.toLowerCase() === 'live';

function envDefaults(env: Env) {
  const realtime = text(env.OPENAI_MODEL) ?? defaultRealtimeModel;
  return {
    realtime,
    transcription: text(env.TRANSCRIPTION_MODEL) ?? defaultTranscriptionModel,
    // A Live agent cannot use a realtime model: OPENAI_MODEL counts only when it names a Live one.
    live: text(env.LIVE_MODEL) ?? (realtime.startsWith('gpt-live') ? realtime : defaultLiveModel),
    liveSetting: text(env.LIVE_MODEL) ? 'LIVE_MODEL' : realtime.startsWith('gpt-live') ? 'OPENAI_MODEL' : 'LIVE_MODEL (default)',
    delegation: text(env.DELEGATION_MODEL) ?? defaultDelegationModel,
    delegationSetting: text(env.DELEGATION_MODEL) ? 'DELEGATION_MODEL' : 'DELEGATION_MODEL (default)',
  };
}

function addModel(models: ConfiguredModel[], model: ConfiguredModel): void {
  if (!models.some((m) => m.id === model.id && m.kind === model.kind)) models.push(model);
}

export interface FileAccess {
  readFile?: (path: string) => string;
  exists?: (path: string) => boolean;
}

export function agentSurfaces(env: Env, cwd: string, fs: FileAccess = {}): AgentSurfaces {
  const readFile = fs.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const d = envDefaults(env);
  const found = fs.exists ? profilesPath(env, cwd, fs.exists) : profilesPath(env, cwd);
  if (found.kind === 'file') {
    let data: unknown;
    let unreadable: string | null = null;
    try {
      data = interpolateTree(parse(readFile(found.path), { merge: true }) ?? {}, env, [] as Problem[]);
    } catch (err) {
      unreadable = `cannot read ${found.path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    }
    const agents = isRecord(data) && isRecord(data.agents) ? data.agents : null;
    if (agents && Object.keys(agents).length > 0) {
      const result: AgentSurfaces = {
        surfaces: new Set(),
        liveAgents: [],
        models: [],
        source: { kind: 'file', path: found.path },
        unreadable,
      };
      for (const [name, spec] of Object.entries(agents)) {
        const agent = isRecord(spec) ? spec : {};
        if (isLive(agent.surface)) {
          result.surfaces.add('live');
          result.liveAgents.push(name);
          const own = text(agent.model);
          addModel(result.models, { id: own ?? d.live, setting: own ? `agents.${name}.model` : d.liveSetting, kind: 'live' });
          // The Responses model that runs a Live agent's tools (profile key delegation.model).
          const delegation = isRecord(agent.delegation) ? text(agent.delegation.model) : undefined;
          addModel(result.models, {
            id: delegation ?? d.delegation,
            setting: delegation ? `agents.${name}.delegation.model` : d.delegationSetting,
            kind: 'delegation',
          });
        } else {
          result.surfaces.add('realtime');
          const own = text(agent.model);
          addModel(result.models, { id: own ?? d.realtime, setting: own ? `agents.${name}.model` : 'OPENAI_MODEL', kind: 'realtime' });
          const transcription = isRecord(agent.transcription) ? text(agent.transcription.model) : undefined;
          addModel(result.models, {
            id: transcription ?? d.transcription,
            setting: transcription ? `agents.${name}.transcription.model` : 'TRANSCRIPTION_MODEL',
            kind: 'transcription',
          });
        }
      }
      return result;
    }
    if (unreadable) return { ...environmentAgent(env), unreadable };
  }
  return environmentAgent(env);
}

/** Without a profile file: the one agent the environment describes (AGENT_SURFACE=live puts it on GPT-Live). */
function environmentAgent(env: Env): AgentSurfaces {
  const d = envDefaults(env);
  if (isLive(env.AGENT_SURFACE)) {
    return {
      surfaces: new Set(['live']),
      liveAgents: ['default'],
      models: [
        { id: d.live, setting: d.liveSetting, kind: 'live' },
        { id: d.delegation, setting: d.delegationSetting, kind: 'delegation' },
      ],
      source: { kind: 'environment' },
      unreadable: null,
    };
  }
  return {
    surfaces: new Set(['realtime']),
    liveAgents: [],
    models: [
      { id: d.realtime, setting: 'OPENAI_MODEL', kind: 'realtime' },
      { id: d.transcription, setting: 'TRANSCRIPTION_MODEL', kind: 'transcription' },
    ],
    source: { kind: 'environment' },
    unreadable: null,
  };
}
