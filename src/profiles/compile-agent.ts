// One agent profile, compiled: templates parsed, JSON schemas compiled, tools and
// session behaviour built. What is left per call is rendering strings.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RealtimeAudioInputTurnDetection } from 'openai/resources/realtime/realtime';
import type { BusinessHours } from '../hours/business-hours.ts';
import { checkModels } from '../openai/model-lifecycle.ts';
import { modelSurfaceMismatch, voicesFor } from '../openai/surface.ts';
import { isWebhookSecret, webhookSecretProblem } from '../outbox/sign.ts';
import { buildLiveAcceptParams } from '../pickup/live-session-config.ts';
import { buildAcceptParams } from '../pickup/session-config.ts';
import type { AgentPlan } from '../routing/call-plan.ts';
import type { PlanInput, PlannableProfile } from '../routing/plan-call.ts';
import { type DtmfAction, dtmfHandler } from '../session/dtmf-handler.ts';
import { defaultIdleGoodbye, defaultRepromptInstructions, idleWatch } from '../session/idle-watch.ts';
import { maxDuration } from '../session/max-duration.ts';
import type { SessionExtensionFactory } from '../session/session-extension.ts';
import { callVariables, isCallVariable } from '../templates/call-variables.ts';
import { compileTemplate, type Template } from '../templates/template.ts';
import { LocalClock } from '../time/local-clock.ts';
import { readWavClip } from '../tools/audio-clip.ts';
import { endCallTool } from '../tools/end-call.ts';
import { httpTool } from '../tools/http-tool.ts';
import type { createSchemaCompiler } from '../tools/json-schema.ts';
import type { Tool } from '../tools/tool.ts';
import { transferCallTool } from '../tools/transfer-call.ts';
import type { CarrierPolicy } from '../transfers/carrier-policy.ts';
import { type ContextHeader, contextVariableNames } from '../transfers/context-headers.ts';
import { createTransfers, type Destination, type Transfers } from '../transfers/transfer.ts';
import type { AgentDefaults } from './agent-defaults.ts';
import { error, type Problem, warning } from './problem.ts';
import type { AgentSpec, ProfilesFile } from './schema.ts';

export interface AgentCompileDeps {
  file: ProfilesFile;
  defaults: AgentDefaults;
  schedules: ReadonlyMap<string, BusinessHours>;
  carrier: CarrierPolicy;
  compileSchema: ReturnType<typeof createSchemaCompiler>;
  baseDir: string;
  readFile: (path: string) => string;
  /** Binary files (audio fillers); default: the file system. */
  readBinary?: (path: string) => Buffer;
  fetch?: typeof fetch;
  /** Epoch ms. */
  clock: () => number;
}

export function compileAgent(name: string, spec: AgentSpec, deps: AgentCompileDeps, problems: Problem[]): PlannableProfile {
  const at = ['agents', name];
  const { file, defaults } = deps;
  const business = file.business.name;
  const sipHeaders = new Set(spec.sipHeaders.map((h) => h.toLowerCase()));
  const isKnown = (v: string) => isCallVariable(v, sipHeaders);

  const template = (source: string, path: (string | number)[], known: (v: string) => boolean = isKnown): Template | null => {
    const r = compileTemplate(source, known);
    if (r.ok) return r.template;
    for (const p of r.problems) problems.push(error(path, p));
    return null;
  };

  let instructionsSource = spec.instructions ?? defaults.instructions;
  let instructionsPath = [...at, 'instructions'];
  if (spec.instructionsFile !== undefined) {
    instructionsPath = [...at, 'instructionsFile'];
    try {
      instructionsSource = deps.readFile(resolve(deps.baseDir, spec.instructionsFile)).trim();
      if (instructionsSource === '') problems.push(error(instructionsPath, `${spec.instructionsFile} is empty`));
    } catch (err) {
      problems.push(error(instructionsPath, `cannot read ${spec.instructionsFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`));
    }
  }
  const instructions = template(instructionsSource, instructionsPath);
  const greeting = template(spec.greeting ?? defaults.greeting, [...at, 'greeting']);
  const surface = spec.surface ?? defaults.surface;
  const voice = spec.voice ?? defaults.voice;
  const voices = voicesFor(surface);
  if (!voices.includes(voice))
    problems.push(
      warning(
        [...at, 'voice'],
        `"${voice}" is not a ${surface === 'live' ? 'GPT-Live' : 'Realtime'} voice this version knows (${voices.join(', ')})`,
      ),
    );
  const model = spec.model ?? (surface === 'live' ? defaults.liveModel : defaults.model);
  const mismatch = modelSurfaceMismatch(model, surface);
  if (mismatch) problems.push(error([...at, spec.model === undefined ? 'surface' : 'model'], mismatch));
  const live = surface === 'live' ? checkLiveKeys(name, spec, deps, template, problems) : checkRealtimeKeys(name, spec, problems);
  const today = new Date(deps.clock()).toISOString().slice(0, 10);
  const transcriptionModelInUse = live ? null : (spec.transcription?.model ?? defaults.transcriptionModel);
  for (const w of checkModels(
    [model, ...(live ? [live.delegationModel] : []), ...(transcriptionModelInUse ? [transcriptionModelInUse] : [])],
    { today },
  )) {
    const key = w.model === model ? 'model' : w.model === transcriptionModelInUse ? 'transcription' : 'delegation';
    problems.push(warning([...at, key], w.message));
  }

  const clock = new LocalClock(spec.timeZone ?? file.business.timeZone, file.business.locale);
  const transfers = buildTransfers(name, spec, deps, template, problems);
  const staticTools = buildStaticTools(name, spec, deps, surface, problems);
  const extensions = buildExtensions(spec, deps, transfers);
  const turnDetection = spec.turnDetection ? toTurnDetection(spec.turnDetection) : undefined;
  const transcriptionModel = spec.transcription?.model ?? defaults.transcriptionModel;
  const transcriptionLanguage = spec.transcription?.language;

  return {
    name,
    surface,
    models: [model, ...(live ? [live.delegationModel] : [transcriptionModel])],
    maxConcurrentCalls: spec.maxConcurrentCalls ?? null,
    buildPlan(input: PlanInput): AgentPlan {
      const lookup = callVariables({
        callId: input.callId,
        parties: input.parties,
        sipHeaders: input.sipHeaders,
        business,
        profile: name,
        clock,
        at: input.at,
      });
      const tools = new Map<string, Tool>();
      if (transfers.destinations.length > 0) tools.set('transfer_call', transferCallTool(transfers, input.at));
      for (const tool of staticTools) tools.set(tool.definition.name, tool);
      const rendered = instructions?.render(lookup) ?? '';
      const definitions = [...tools.values()].map((t) => t.definition);
      return {
        profile: name,
        greeting: greeting?.render(lookup) ?? '',
        tools,
        transfers,
        extensions,
        acceptParams: buildAcceptParams({
          model,
          instructions: rendered,
          voice,
          transcriptionModel,
          ...(transcriptionLanguage ? { transcriptionLanguage } : {}),
          ...(turnDetection ? { turnDetection } : {}),
          tools: definitions,
        }),
        ...(live
          ? {
              live: {
                acceptParams: buildLiveAcceptParams({
                  model,
                  instructions: rendered,
                  voice,
                  tools: definitions,
                  delegationModel: live.delegationModel,
                  delegationInstructions: live.delegationInstructions?.render(lookup) ?? defaults.delegationInstructions,
                  store: live.recording,
                }),
                recording: live.recording,
              },
            }
          : {}),
      };
    },
  };
}

interface LiveKeys {
  delegationModel: string;
  delegationInstructions: Template | null;
  recording: boolean;
}

/** An agent on GPT-Live: its delegation and recording; what Live has no use for is said. */
function checkLiveKeys(
  name: string,
  spec: AgentSpec,
  deps: AgentCompileDeps,
  template: (source: string, path: (string | number)[]) => Template | null,
  problems: Problem[],
): LiveKeys {
  const at = ['agents', name];
  if (spec.turnDetection)
    problems.push(
      warning([...at, 'turnDetection'], 'ignored on GPT-Live: the Live model decides when to speak (there is no turn detection)'),
    );
  if (spec.transcription) problems.push(warning([...at, 'transcription'], 'ignored on GPT-Live: both sides are always transcribed'));
  const source = spec.delegation?.instructions;
  return {
    delegationModel: spec.delegation?.model ?? deps.defaults.delegationModel,
    delegationInstructions: source === undefined ? null : template(source, [...at, 'delegation', 'instructions']),
    recording: spec.recording ?? deps.defaults.recording,
  };
}

function checkRealtimeKeys(name: string, spec: AgentSpec, problems: Problem[]): null {
  const at = ['agents', name];
  if (spec.recording === true)
    problems.push(error([...at, 'recording'], 'recordings need surface: live (Realtime SIP cannot record calls)'));
  if (spec.delegation !== undefined)
    problems.push(warning([...at, 'delegation'], 'used on GPT-Live only (surface: live); a Realtime agent runs its tools itself'));
  return null;
}

/** The agent's destinations (none: no transfer tool) and the policy every transfer of its calls goes under. */
function buildTransfers(
  name: string,
  spec: AgentSpec,
  deps: AgentCompileDeps,
  template: (source: string, path: (string | number)[], known?: (v: string) => boolean) => Template | null,
  problems: Problem[],
): Transfers {
  const at = ['agents', name];
  let destinations: Destination[] = [];
  let unnamed = false;
  if (spec.transfers === undefined) {
    if (deps.defaults.referTo !== null) {
      destinations = [{ name: 'person', to: deps.defaults.referTo, description: 'A person.', hours: null }];
      unnamed = true;
    }
  } else {
    destinations = Object.entries(spec.transfers).map(([dest, d]) => ({
      name: dest,
      to: d.to,
      description: d.description,
      hours: d.hours === undefined ? null : (deps.schedules.get(d.hours) ?? null),
    }));
  }
  const knownContext = new Set<string>(contextVariableNames);
  const context: ContextHeader[] = [];
  spec.transferContext.forEach((h, i) => {
    const value = template(h.value, [...at, 'transferContext', i, 'value'], (v) => knownContext.has(v));
    if (value)
      context.push({ name: h.header, encoding: h.encoding, maxBytes: h.maxBytes, value, ...(h.purpose ? { purpose: h.purpose } : {}) });
  });
  if (context.some((h) => h.encoding !== 'text' && h.maxBytes > 128)) {
    const i = context.findIndex((h) => h.encoding !== 'text' && h.maxBytes > 128);
    problems.push(
      warning(
        [...at, 'transferContext', i, 'maxBytes'],
        'more than 128 bytes of User-to-User data may be cut or refused by carriers (ISDN interworking allows 128)',
      ),
    );
  }
  return createTransfers({
    destinations,
    unnamed,
    policy: {
      carrier: deps.carrier,
      context,
      profile: name,
      business: deps.file.business.name,
      referTimeoutMs: deps.defaults.referTimeoutMs,
      logPii: deps.defaults.logPii,
    },
    clock: deps.clock,
  });
}

/** An audio filler: read and checked now, so a bad clip fails the check, not a call. */
function audioFiller(
  path: string,
  where: (string | number)[],
  deps: AgentCompileDeps,
  surface: 'realtime' | 'live',
  problems: Problem[],
): Buffer | null {
  if (surface !== 'live') {
    problems.push(error(where, 'an audio filler needs surface: live (Realtime cannot play audio while a tool runs); use words instead'));
    return null;
  }
  let file: Buffer;
  try {
    file = (deps.readBinary ?? ((p: string) => readFileSync(p)))(resolve(deps.baseDir, path));
  } catch (err) {
    problems.push(error(where, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`));
    return null;
  }
  const clip = readWavClip(file);
  if (!clip.ok) {
    problems.push(error(where, `${path}: ${clip.problem} (GPT-Live plays WAV PCM16 24 kHz mono, at most 30 s)`));
    return null;
  }
  return clip.pcm;
}

function buildStaticTools(
  name: string,
  spec: AgentSpec,
  deps: AgentCompileDeps,
  surface: 'realtime' | 'live',
  problems: Problem[],
): Tool[] {
  const at = ['agents', name];
  const tools: Tool[] = [];
  if (spec.endCall) tools.push(endCallTool({ goodbyeMaxMs: deps.defaults.goodbyeMaxMs }));
  const defaults = deps.file.httpTools;
  spec.tools.forEach((t, i) => {
    const path = [...at, 'tools', i];
    if (t.parameters.type !== 'object') {
      problems.push(error([...path, 'parameters', 'type'], 'tool parameters must be a JSON schema of type "object"'));
      return;
    }
    const compiled = deps.compileSchema(t.parameters);
    if (!compiled.ok) {
      problems.push(error([...path, 'parameters'], `invalid JSON schema: ${compiled.message}`));
      return;
    }
    if (t.method === 'GET' || t.method === 'DELETE') {
      const fixed = new URL(t.url).searchParams;
      const properties = t.parameters.properties;
      for (const key of properties && typeof properties === 'object' ? Object.keys(properties) : []) {
        if (fixed.has(key))
          problems.push(
            warning([...path, 'parameters', 'properties', key], `"${key}" is fixed in the url's query: the model's value is never sent`),
          );
      }
    }
    let fillerAudio: Buffer | null = null;
    if (typeof t.filler === 'object') {
      fillerAudio = audioFiller(t.filler.audio, [...path, 'filler', 'audio'], deps, surface, problems);
    }
    const signingSecret = t.signingSecret ?? defaults.signingSecret ?? null;
    if (signingSecret === null) {
      problems.push(warning(path, 'no signingSecret (here or in httpTools): requests are not signed'));
    } else {
      if (!isWebhookSecret(signingSecret)) {
        const where = t.signingSecret !== undefined ? [...path, 'signingSecret'] : ['httpTools', 'signingSecret'];
        problems.push(error(where, webhookSecretProblem));
        return;
      }
    }
    tools.push(
      httpTool(
        {
          name: t.name,
          description: t.description,
          parameters: t.parameters,
          checkArguments: compiled.check,
          url: t.url,
          method: t.method,
          headers: t.headers,
          timeoutMs: t.timeoutMs ?? defaults.timeoutMs,
          maxResponseBytes: t.maxResponseBytes ?? defaults.maxResponseBytes,
          filler: typeof t.filler === 'string' ? t.filler : null,
          fillerAudio,
          fillerMaxMs: defaults.fillerMaxMs,
          signingSecret,
        },
        { profile: name, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
      ),
    );
  });
  return tools;
}

function buildExtensions(spec: AgentSpec, deps: AgentCompileDeps, transfers: Transfers): SessionExtensionFactory[] {
  const goodbyeMaxMs = deps.defaults.goodbyeMaxMs;
  const actions = new Map<string, DtmfAction>();
  for (const [key, a] of Object.entries(spec.dtmf?.keys ?? {})) {
    actions.set(
      key,
      a.action === 'transfer'
        ? { kind: 'transfer', destination: a.to }
        : a.action === 'hangup'
          ? { kind: 'hangup' }
          : { kind: 'say', instructions: a.instructions },
    );
  }
  // Keypad digits always reach the model; the map only adds shortcuts.
  const extensions = [
    dtmfHandler({
      actions,
      interDigitMs: spec.dtmf?.interDigitMs ?? 1_200,
      transfers: transfers.destinations.length > 0 ? transfers : null,
      goodbyeMaxMs,
    }),
  ];
  if (spec.idle) {
    extensions.push(
      idleWatch({
        repromptAfterMs: spec.idle.repromptAfterSeconds === undefined ? null : spec.idle.repromptAfterSeconds * 1000,
        hangupAfterMs: spec.idle.hangupAfterSeconds === undefined ? null : spec.idle.hangupAfterSeconds * 1000,
        repromptInstructions: spec.idle.reprompt ?? defaultRepromptInstructions,
        goodbyeInstructions: spec.idle.goodbye ?? defaultIdleGoodbye,
        goodbyeMaxMs,
      }),
    );
  }
  if (spec.maxCallSeconds !== undefined) extensions.push(maxDuration({ maxMs: spec.maxCallSeconds * 1000, goodbyeMaxMs }));
  return extensions;
}

function toTurnDetection(t: NonNullable<AgentSpec['turnDetection']>): RealtimeAudioInputTurnDetection {
  const common = {
    ...(t.createResponse !== undefined ? { create_response: t.createResponse } : {}),
    ...(t.interruptResponse !== undefined ? { interrupt_response: t.interruptResponse } : {}),
  };
  if (t.type === 'semantic_vad') return { type: 'semantic_vad', ...(t.eagerness ? { eagerness: t.eagerness } : {}), ...common };
  return { type: 'server_vad', ...(t.idleTimeoutMs !== undefined ? { idle_timeout_ms: t.idleTimeoutMs } : {}), ...common };
}
