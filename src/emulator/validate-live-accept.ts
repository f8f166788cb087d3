// Validates a GPT-Live accept body (and session.update's session) as strictly as the API does for SIP calls.
// Every key list is checked by tsc against the installed SDK's types, so an SDK upgrade surfaces here.
import type {
  ClientDelegation,
  CustomVoice,
  DecisionsDelegationConfig,
  DecisionTrigger,
  FunctionTool,
  InitialItem,
  ResponsesDelegationConfig,
  ResponsesDelegationUpdateConfig,
  SessionUpdateConfig,
} from 'openai/resources/live/live';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import { liveVoices } from '../openai/surface.ts';
import { type ApiFailure, apiFailure } from './errors.ts';
import {
  at,
  exhaustiveKeys,
  exhaustiveValues,
  expectArray,
  expectBoolean,
  expectEnum,
  expectInteger,
  expectObject,
  expectString,
  fail,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';

type Session = SessionAcceptParams.Session;
type ToolType = NonNullable<ResponsesDelegationConfig['tools']>[number]['type'];

const bodyKeys = exhaustiveKeys<SessionAcceptParams>()(['session']);
const sessionKeys = exhaustiveKeys<Session>()([
  'model',
  'type',
  'audio',
  'delegation',
  'input',
  'instructions',
  'safety_identifier',
  'store',
  'triggers',
]);
// SIP negotiates the media format: the accept's audio has only output.voice (no format, no input).
const audioKeys = exhaustiveKeys<SessionAcceptParams.Session.Audio>()(['output']);
const audioOutputKeys = exhaustiveKeys<SessionAcceptParams.Session.Audio.Output>()(['voice']);
const customVoiceKeys = exhaustiveKeys<CustomVoice>()(['id']);
const clientDelegationKeys = exhaustiveKeys<ClientDelegation>()(['type', 'acknowledgement_delay_ms']);
const responsesDelegationKeys = exhaustiveKeys<SessionAcceptParams.Session.Responses>()(['type', 'responses', 'acknowledgement_delay_ms']);
const decisionsDelegationKeys = exhaustiveKeys<SessionAcceptParams.Session.Decisions>()(['type', 'decisions', 'acknowledgement_delay_ms']);
const responsesConfigKeys = exhaustiveKeys<ResponsesDelegationConfig>()([
  'model',
  'instructions',
  'max_output_tokens',
  'parallel_tool_calls',
  'reasoning',
  'service_tier',
  'text',
  'tool_choice',
  'tools',
]);
const responsesUpdateKeys = exhaustiveKeys<ResponsesDelegationUpdateConfig>()([
  'model',
  'instructions',
  'max_output_tokens',
  'parallel_tool_calls',
  'reasoning',
  'service_tier',
  'text',
  'tool_choice',
  'tools',
]);
const decisionsConfigKeys = exhaustiveKeys<DecisionsDelegationConfig>()(['model', 'questions']);
const reasoningKeys = exhaustiveKeys<ResponsesDelegationConfig.Reasoning>()(['effort', 'summary']);
const textKeys = exhaustiveKeys<ResponsesDelegationConfig.Text>()(['verbosity']);
const functionToolKeys = exhaustiveKeys<FunctionTool>()(['type', 'name', 'description', 'parameters', 'strict']);
const functionChoiceKeys = exhaustiveKeys<ResponsesDelegationConfig.LiveFunctionToolChoiceParam>()(['type', 'name']);
const messageKeys = exhaustiveKeys<InitialItem.Developer>()(['content', 'role', 'id', 'status', 'type']);
const textPartKeys = exhaustiveKeys<InitialItem.Developer.Content>()(['text', 'type']);
const triggerKeys = exhaustiveKeys<DecisionTrigger>()(['decisions', 'event_type', 'type']);
const updateKeys = exhaustiveKeys<SessionUpdateConfig>()(['delegation', 'triggers']);

const toolTypes = exhaustiveValues<ToolType>()([
  'function',
  'web_search',
  'file_search',
  'code_interpreter',
  'shell',
  'image_generation',
  'mcp',
  'custom',
  'namespace',
  'tool_search',
  'programmatic_tool_calling',
  'computer',
  'apply_patch',
]);
const serviceTiers = exhaustiveValues<NonNullable<ResponsesDelegationConfig['service_tier']>>()([
  'auto',
  'default',
  'fast_tier_temp_pilot',
  'flex',
  'priority',
  'ultrafast',
]);
const efforts = exhaustiveValues<NonNullable<ResponsesDelegationConfig.Reasoning['effort']>>()([
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
]);
const summaries = exhaustiveValues<NonNullable<ResponsesDelegationConfig.Reasoning['summary']>>()(['concise', 'detailed', 'auto']);
const verbosities = exhaustiveValues<NonNullable<ResponsesDelegationConfig.Text['verbosity']>>()(['low', 'medium', 'high']);
const messageRoles = exhaustiveValues<InitialItem['role']>()(['developer', 'user', 'assistant']);
const triggerEvents = exhaustiveValues<DecisionTrigger['event_type']>()([
  'session.input_transcript.delta',
  'session.output_transcript.delta',
]);

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
/** Live instructions are limited to 16,384 tokens; about four characters a token. */
export const maxInstructionTokens = 16_384;
const maxInitialItems = 128;
const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export interface LiveAcceptValidation {
  session: Session;
}

/** Checks a Live accept body: `{ session: { type: 'live', model, … } }`. */
export function validateLiveAccept(body: unknown): { ok: true; value: LiveAcceptValidation } | { ok: false; failure: ApiFailure } {
  return runChecks(() => {
    const obj = expectObject(body, 'body');
    rejectUnknownKeys(obj, bodyKeys, '');
    const session = checkSession(requireKey(obj, 'session', ''), 'session');
    return { session };
  });
}

/** Checks session.update's `session` against the session it changes. */
export function validateLiveUpdate(
  value: unknown,
  currentDelegationType: 'client' | 'responses' | 'decisions',
): { ok: true; value: SessionUpdateConfig } | { ok: false; failure: ApiFailure } {
  return runChecks(() => {
    const update = expectObject(value, 'session');
    // Model, instructions, audio and startup input are immutable after the start.
    rejectUnknownKeys(update, updateKeys, 'session');
    if (update.delegation !== undefined && update.delegation !== null) {
      const p = 'session.delegation';
      const delegation = expectObject(update.delegation, p);
      const type = expectEnum(requireKey(delegation, 'type', p), at(p, 'type'), ['client', 'responses', 'decisions']);
      if (type !== currentDelegationType) {
        fail(
          apiFailure(400, `The delegation type cannot change: this session uses '${currentDelegationType}' delegation.`, {
            param: at(p, 'type'),
            code: 'invalid_value',
          }),
        );
      }
      checkDelegation(delegation, p, 'update');
    }
    if (update.triggers !== undefined) checkTriggers(update.triggers, 'session.triggers');
    // Checked key by key against SessionUpdateConfig above.
    return update as unknown as SessionUpdateConfig;
  });
}

function checkSession(value: unknown, p: string): Session {
  const session = expectObject(value, p);
  // Unknown keys first: a Realtime-style `tools` or `voice` should say "Unknown parameter".
  rejectUnknownKeys(session, sessionKeys, p);
  expectEnum(requireKey(session, 'type', p), at(p, 'type'), ['live']);
  const model = expectString(requireKey(session, 'model', p), at(p, 'model'));
  if (!/^gpt-live(-|$)/.test(model)) {
    fail(
      apiFailure(400, `Invalid value for '${at(p, 'model')}': '${model}' is not a Live model.`, {
        param: at(p, 'model'),
        code: 'invalid_value',
      }),
    );
  }
  if (session.instructions !== undefined && session.instructions !== null) {
    const instructions = expectString(session.instructions, at(p, 'instructions'));
    const tokens = estimateTokens(instructions);
    if (tokens > maxInstructionTokens) {
      fail(
        apiFailure(400, `Invalid '${at(p, 'instructions')}': about ${tokens} tokens; the limit is ${maxInstructionTokens}.`, {
          param: at(p, 'instructions'),
          code: 'string_above_max_length',
        }),
      );
    }
  }
  if (session.safety_identifier !== undefined && session.safety_identifier !== null) {
    expectString(session.safety_identifier, at(p, 'safety_identifier'), { maxLength: 64 });
  }
  if (session.store !== undefined) expectBoolean(session.store, at(p, 'store'));
  if (session.audio !== undefined) checkAudio(session.audio, at(p, 'audio'));
  if (session.delegation !== undefined && session.delegation !== null) checkDelegation(session.delegation, at(p, 'delegation'), 'accept');
  if (session.input !== undefined) checkInput(session.input, at(p, 'input'));
  if (session.triggers !== undefined) checkTriggers(session.triggers, at(p, 'triggers'));
  // Every key and value was checked against the SDK's SessionAcceptParams.Session above.
  return session as unknown as Session;
}

function checkAudio(value: unknown, p: string): void {
  const audio = expectObject(value, p);
  rejectUnknownKeys(audio, audioKeys, p);
  if (audio.output === undefined) return;
  const output = expectObject(audio.output, at(p, 'output'));
  rejectUnknownKeys(output, audioOutputKeys, at(p, 'output'));
  if (output.voice === undefined) return;
  const vp = at(p, 'output.voice');
  if (typeof output.voice === 'string') {
    expectEnum(output.voice, vp, liveVoices);
    return;
  }
  const custom = expectObject(output.voice, vp);
  rejectUnknownKeys(custom, customVoiceKeys, vp);
  expectString(requireKey(custom, 'id', vp), at(vp, 'id'), { pattern: /^voice_[A-Za-z0-9]+$/ });
}

function checkDelegation(value: unknown, p: string, mode: 'accept' | 'update'): void {
  const delegation = expectObject(value, p);
  const type = expectEnum(requireKey(delegation, 'type', p), at(p, 'type'), ['client', 'responses', 'decisions']);
  if (delegation.acknowledgement_delay_ms !== undefined) {
    expectInteger(delegation.acknowledgement_delay_ms, at(p, 'acknowledgement_delay_ms'), { min: 0, max: 60_000 });
  }
  if (type === 'client') {
    rejectUnknownKeys(delegation, clientDelegationKeys, p);
    return;
  }
  if (type === 'decisions') {
    rejectUnknownKeys(delegation, decisionsDelegationKeys, p);
    const dp = at(p, 'decisions');
    if (mode === 'update' && delegation.decisions === undefined) return;
    const decisions = expectObject(requireKey(delegation, 'decisions', p), dp);
    rejectUnknownKeys(decisions, decisionsConfigKeys, dp);
    if (mode === 'accept' || decisions.model !== undefined) expectString(requireKey(decisions, 'model', dp), at(dp, 'model'));
    if (mode === 'accept' || decisions.questions !== undefined) expectArray(requireKey(decisions, 'questions', dp), at(dp, 'questions'));
    return;
  }
  rejectUnknownKeys(delegation, responsesDelegationKeys, p);
  if (mode === 'update' && delegation.responses === undefined) return;
  checkResponsesConfig(requireKey(delegation, 'responses', p), at(p, 'responses'), mode);
}

function checkResponsesConfig(value: unknown, p: string, mode: 'accept' | 'update'): void {
  const config = expectObject(value, p);
  rejectUnknownKeys(config, mode === 'accept' ? responsesConfigKeys : responsesUpdateKeys, p);
  if (mode === 'accept' || config.model !== undefined) expectString(requireKey(config, 'model', p), at(p, 'model'), { pattern: /\S/ });
  if (config.instructions !== undefined && config.instructions !== null) expectString(config.instructions, at(p, 'instructions'));
  if (config.max_output_tokens !== undefined && config.max_output_tokens !== null) {
    expectInteger(config.max_output_tokens, at(p, 'max_output_tokens'), { min: 16 });
  }
  if (config.parallel_tool_calls !== undefined && config.parallel_tool_calls !== null) {
    expectBoolean(config.parallel_tool_calls, at(p, 'parallel_tool_calls'));
  }
  if (config.service_tier !== undefined && config.service_tier !== null)
    expectEnum(config.service_tier, at(p, 'service_tier'), serviceTiers);
  if (config.reasoning !== undefined && config.reasoning !== null) {
    const rp = at(p, 'reasoning');
    const reasoning = expectObject(config.reasoning, rp);
    rejectUnknownKeys(reasoning, reasoningKeys, rp);
    if (reasoning.effort !== undefined && reasoning.effort !== null) expectEnum(reasoning.effort, at(rp, 'effort'), efforts);
    if (reasoning.summary !== undefined && reasoning.summary !== null) expectEnum(reasoning.summary, at(rp, 'summary'), summaries);
  }
  if (config.text !== undefined && config.text !== null) {
    const tp = at(p, 'text');
    const text = expectObject(config.text, tp);
    rejectUnknownKeys(text, textKeys, tp);
    if (text.verbosity !== undefined && text.verbosity !== null) expectEnum(text.verbosity, at(tp, 'verbosity'), verbosities);
  }
  const names = config.tools === undefined ? [] : checkTools(config.tools, at(p, 'tools'));
  if (config.tool_choice !== undefined) checkToolChoice(config.tool_choice, at(p, 'tool_choice'), names);
}

/** Function tools strictly; hosted tools by type (they run at OpenAI). Returns the function names. */
function checkTools(value: unknown, p: string): string[] {
  const names: string[] = [];
  expectArray(value, p).forEach((raw, i) => {
    const tp = at(p, i);
    const tool = expectObject(raw, tp);
    const type = expectEnum(requireKey(tool, 'type', tp), at(tp, 'type'), toolTypes);
    if (type !== 'function') return;
    rejectUnknownKeys(tool, functionToolKeys, tp);
    const name = expectString(requireKey(tool, 'name', tp), at(tp, 'name'), { pattern: toolNamePattern });
    if (tool.description !== undefined && tool.description !== null) expectString(tool.description, at(tp, 'description'));
    if (tool.parameters !== undefined && tool.parameters !== null) expectObject(tool.parameters, at(tp, 'parameters'));
    if (tool.strict !== undefined && tool.strict !== null) expectBoolean(tool.strict, at(tp, 'strict'));
    if (names.includes(name)) {
      fail(apiFailure(400, `Invalid '${p}': duplicate function name '${name}'.`, { param: at(tp, 'name'), code: 'invalid_value' }));
    }
    names.push(name);
  });
  return names;
}

function checkToolChoice(value: unknown, p: string, names: readonly string[]): void {
  if (typeof value === 'string') {
    expectEnum(value, p, ['auto', 'none', 'required']);
    return;
  }
  const choice = expectObject(value, p);
  const type = expectString(requireKey(choice, 'type', p), at(p, 'type'));
  if (type !== 'function') return;
  rejectUnknownKeys(choice, functionChoiceKeys, p);
  const name = expectString(requireKey(choice, 'name', p), at(p, 'name'));
  if (!names.includes(name)) {
    fail(
      apiFailure(400, `Tool choice 'function' with name '${name}' not found in 'tools' parameter.`, {
        param: at(p, 'name'),
        code: 'invalid_value',
      }),
    );
  }
}

function checkInput(value: unknown, p: string): void {
  const items = expectArray(value, p);
  if (items.length > maxInitialItems) {
    fail(apiFailure(400, `Invalid '${p}': at most ${maxInitialItems} messages.`, { param: p, code: 'array_above_max_length' }));
  }
  items.forEach((raw, i) => {
    const ip = at(p, i);
    const item = expectObject(raw, ip);
    rejectUnknownKeys(item, messageKeys, ip);
    const role = expectEnum(requireKey(item, 'role', ip), at(ip, 'role'), messageRoles);
    if (item.type !== undefined) expectEnum(item.type, at(ip, 'type'), ['message']);
    const content = expectArray(requireKey(item, 'content', ip), at(ip, 'content'));
    if (content.length !== 1) {
      fail(
        apiFailure(400, `Invalid '${at(ip, 'content')}': each message has exactly one text part.`, {
          param: at(ip, 'content'),
          code: 'invalid_value',
        }),
      );
    }
    const cp = at(at(ip, 'content'), 0);
    const part = expectObject(content[0], cp);
    rejectUnknownKeys(part, textPartKeys, cp);
    expectString(requireKey(part, 'text', cp), at(cp, 'text'));
    const partTypes = role === 'assistant' ? ['text', 'output_text'] : ['input_text'];
    if (part.type !== undefined || role === 'assistant') {
      if (part.type !== undefined) expectEnum(part.type, at(cp, 'type'), partTypes);
    }
  });
}

function checkTriggers(value: unknown, p: string): void {
  const seen = new Set<string>();
  expectArray(value, p).forEach((raw, i) => {
    const tp = at(p, i);
    const trigger = expectObject(raw, tp);
    rejectUnknownKeys(trigger, triggerKeys, tp);
    expectEnum(requireKey(trigger, 'type', tp), at(tp, 'type'), ['decisions']);
    const event = expectEnum(requireKey(trigger, 'event_type', tp), at(tp, 'event_type'), triggerEvents);
    if (seen.has(event)) fail(apiFailure(400, `Invalid '${p}': at most one trigger per event type.`, { param: tp, code: 'invalid_value' }));
    seen.add(event);
    expectArray(
      requireKey(expectObject(requireKey(trigger, 'decisions', tp), at(tp, 'decisions')), 'questions', at(tp, 'decisions')),
      at(tp, 'decisions.questions'),
    );
  });
}
