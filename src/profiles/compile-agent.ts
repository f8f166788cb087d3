// One agent profile, compiled: templates parsed, JSON schemas compiled, tools and
// session behaviour built. What is left per call is rendering strings.
import { resolve } from 'node:path';
import type { RealtimeAudioInputTurnDetection } from 'openai/resources/realtime/realtime';
import type { AgentPlan } from '../routing/call-plan.ts';
import { buildAcceptParams } from '../pickup/session-config.ts';
import { isWebhookSecret, webhookSecretProblem } from '../outbox/sign.ts';
import type { BusinessHours } from '../hours/business-hours.ts';
import type { PlanInput, PlannableProfile } from '../routing/plan-call.ts';
import { dtmfHandler, type DtmfAction } from '../session/dtmf-handler.ts';
import { defaultIdleGoodbye, defaultRepromptInstructions, idleWatch } from '../session/idle-watch.ts';
import { maxDuration } from '../session/max-duration.ts';
import type { SessionExtensionFactory } from '../session/session-extension.ts';
import { callVariables, isCallVariable } from '../templates/call-variables.ts';
import { compileTemplate, type Template } from '../templates/template.ts';
import { LocalClock } from '../time/local-clock.ts';
import { endCallTool } from '../tools/end-call.ts';
import { httpTool } from '../tools/http-tool.ts';
import type { createSchemaCompiler } from '../tools/json-schema.ts';
import type { Tool } from '../tools/tool.ts';
import { transferCallTool } from '../tools/transfer-call.ts';
import type { CarrierPolicy } from '../transfers/carrier-policy.ts';
import { contextVariableNames, type ContextHeader } from '../transfers/context-headers.ts';
import { createTransfers, type Destination, type Transfers } from '../transfers/transfer.ts';
import type { AgentDefaults } from './agent-defaults.ts';
import { error, warning, type Problem } from './problem.ts';
import type { AgentSpec, ProfilesFile } from './schema.ts';

export interface AgentCompileDeps {
  file: ProfilesFile;
  defaults: AgentDefaults;
  schedules: ReadonlyMap<string, BusinessHours>;
  carrier: CarrierPolicy;
  compileSchema: ReturnType<typeof createSchemaCompiler>;
  baseDir: string;
  readFile: (path: string) => string;
  fetch?: typeof fetch;
  /** Epoch ms. */
  clock: () => number;
}

const knownVoices = new Set(['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar']);

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
  const voice = spec.voice ?? defaults.voice;
  if (!knownVoices.has(voice)) problems.push(warning([...at, 'voice'], `"${voice}" is not a voice this version knows (${[...knownVoices].join(', ')})`));

  const clock = new LocalClock(spec.timeZone ?? file.business.timeZone, file.business.locale);
  const transfers = buildTransfers(name, spec, deps, template, problems);
  const staticTools = buildStaticTools(name, spec, deps, problems);
  const extensions = buildExtensions(spec, deps, transfers);
  const turnDetection = spec.turnDetection ? toTurnDetection(spec.turnDetection) : undefined;
  const transcriptionModel = spec.transcription?.model ?? defaults.transcriptionModel;
  const transcriptionLanguage = spec.transcription?.language;
  const model = spec.model ?? defaults.model;

  return {
    name,
    maxConcurrentCalls: spec.maxConcurrentCalls ?? null,
    buildPlan(input: PlanInput): AgentPlan {
      const lookup = callVariables({ callId: input.callId, parties: input.parties, sipHeaders: input.sipHeaders, business, profile: name, clock, at: input.at });
      const tools = new Map<string, Tool>();
      if (transfers.destinations.length > 0) tools.set('transfer_call', transferCallTool(transfers, input.at));
      for (const tool of staticTools) tools.set(tool.definition.name, tool);
      return {
        profile: name,
        greeting: greeting?.render(lookup) ?? '',
        tools,
        transfers,
        extensions,
        acceptParams: buildAcceptParams({
          model,
          instructions: instructions?.render(lookup) ?? '',
          voice,
          transcriptionModel,
          ...(transcriptionLanguage ? { transcriptionLanguage } : {}),
          ...(turnDetection ? { turnDetection } : {}),
          tools: [...tools.values()].map((t) => t.definition),
        }),
      };
    },
  };
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
    if (value) context.push({ name: h.header, encoding: h.encoding, maxBytes: h.maxBytes, value, ...(h.purpose ? { purpose: h.purpose } : {}) });
  });
  if (context.some((h) => h.encoding !== 'text' && h.maxBytes > 128)) {
    const i = context.findIndex((h) => h.encoding !== 'text' && h.maxBytes > 128);
    problems.push(warning([...at, 'transferContext', i, 'maxBytes'], 'more than 128 bytes of User-to-User data may be cut or refused by carriers (ISDN interworking allows 128)'));
  }
  return createTransfers({
    destinations,
    unnamed,
    policy: { carrier: deps.carrier, context, profile: name, business: deps.file.business.name, referTimeoutMs: deps.defaults.referTimeoutMs, logPii: deps.defaults.logPii },
    clock: deps.clock,
  });
}

function buildStaticTools(name: string, spec: AgentSpec, deps: AgentCompileDeps, problems: Problem[]): Tool[] {
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
        if (fixed.has(key)) problems.push(warning([...path, 'parameters', 'properties', key], `"${key}" is fixed in the url's query: the model's value is never sent`));
      }
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
          filler: t.filler ?? null,
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
    actions.set(key, a.action === 'transfer' ? { kind: 'transfer', destination: a.to } : a.action === 'hangup' ? { kind: 'hangup' } : { kind: 'say', instructions: a.instructions });
  }
  // Keypad digits always reach the model; the map only adds shortcuts.
  const extensions = [dtmfHandler({ actions, interDigitMs: spec.dtmf?.interDigitMs ?? 1_200, transfers: transfers.destinations.length > 0 ? transfers : null, goodbyeMaxMs })];
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
