// Validates an accept body (and session.update's session) as strictly as OpenAI does for SIP calls.
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type {
  AudioTranscription,
  NoiseReductionType,
  RealtimeAudioConfig,
  RealtimeAudioConfigInput,
  RealtimeAudioConfigOutput,
  RealtimeAudioInputTurnDetection,
  RealtimeFunctionTool,
  RealtimeReasoning,
  RealtimeReasoningEffort,
  RealtimeToolsConfigUnion,
  RealtimeTracingConfig,
  RealtimeTruncationRetentionRatio,
} from 'openai/resources/realtime/realtime';
import type { ResponsePrompt, ToolChoiceFunction, ToolChoiceMcp, ToolChoiceOptions } from 'openai/resources/responses/responses';
import { type ApiFailure, apiFailure, unknownParameter } from './errors.ts';
import {
  at,
  exhaustiveKeys,
  exhaustiveValues,
  expectArray,
  expectBoolean,
  expectEnum,
  expectInteger,
  expectNumber,
  expectObject,
  expectString,
  expectStringArray,
  fail,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';

type ServerVad = RealtimeAudioInputTurnDetection.ServerVad;
type SemanticVad = RealtimeAudioInputTurnDetection.SemanticVad;
type FunctionToolName = NonNullable<RealtimeFunctionTool['name']>;

const topLevelKeys = exhaustiveKeys<CallAcceptParams>()([
  'type',
  'audio',
  'include',
  'instructions',
  'max_output_tokens',
  'model',
  'output_modalities',
  'parallel_tool_calls',
  'prompt',
  'reasoning',
  'tool_choice',
  'tools',
  'tracing',
  'truncation',
]);
const audioKeys = exhaustiveKeys<RealtimeAudioConfig>()(['input', 'output']);
const audioInputKeys = exhaustiveKeys<RealtimeAudioConfigInput>()(['format', 'noise_reduction', 'transcription', 'turn_detection']);
const audioOutputKeys = exhaustiveKeys<RealtimeAudioConfigOutput>()(['format', 'speed', 'voice']);
const noiseReductionKeys = exhaustiveKeys<RealtimeAudioConfigInput.NoiseReduction>()(['type', 'strength']);
const transcriptionKeys = exhaustiveKeys<AudioTranscription>()(['delay', 'keywords', 'language', 'languages', 'model', 'prompt']);
const customVoiceKeys = exhaustiveKeys<RealtimeAudioConfigOutput.ID>()(['id']);
const functionToolKeys = exhaustiveKeys<RealtimeFunctionTool>()(['type', 'name', 'description', 'parameters']);
const mcpToolKeys = exhaustiveKeys<RealtimeToolsConfigUnion.Mcp>()([
  'type',
  'server_label',
  'allowed_callers',
  'allowed_tools',
  'authorization',
  'connector_id',
  'defer_loading',
  'headers',
  'require_approval',
  'server_description',
  'server_url',
  'tunnel_id',
]);
const promptKeys = exhaustiveKeys<ResponsePrompt>()(['id', 'version', 'variables']);
const reasoningKeys = exhaustiveKeys<RealtimeReasoning>()(['effort']);
const tracingKeys = exhaustiveKeys<RealtimeTracingConfig.TracingConfiguration>()(['group_id', 'metadata', 'workflow_name']);
const truncationKeys = exhaustiveKeys<RealtimeTruncationRetentionRatio>()(['type', 'retention_ratio', 'token_limits']);
const toolChoiceFunctionKeys = exhaustiveKeys<ToolChoiceFunction>()(['type', 'name']);
const toolChoiceMcpKeys = exhaustiveKeys<ToolChoiceMcp>()(['type', 'server_label', 'name']);

// SIP calls refuse the energy-VAD tuning knobs (the carrier leg does its own audio handling).
const sipRefusedVadKeys = ['threshold', 'prefix_padding_ms', 'silence_duration_ms'] as const satisfies readonly (keyof ServerVad)[];
const allServerVadKeys = exhaustiveKeys<ServerVad>()([
  'type',
  'create_response',
  'idle_timeout_ms',
  'interrupt_response',
  'prefix_padding_ms',
  'silence_duration_ms',
  'threshold',
]);
const sipServerVadKeys: ReadonlySet<string> = new Set(
  [...allServerVadKeys].filter((k) => !(sipRefusedVadKeys as readonly string[]).includes(k)),
);
const semanticVadKeys = exhaustiveKeys<SemanticVad>()(['type', 'create_response', 'eagerness', 'interrupt_response']);

const turnDetectionTypes = exhaustiveValues<RealtimeAudioInputTurnDetection['type']>()(['server_vad', 'semantic_vad']);
const eagernessValues = exhaustiveValues<NonNullable<SemanticVad['eagerness']>>()(['low', 'medium', 'high', 'auto']);
const noiseReductionTypes = exhaustiveValues<NoiseReductionType>()(['near_field', 'far_field']);
const reasoningEfforts = exhaustiveValues<RealtimeReasoningEffort>()(['minimal', 'low', 'medium', 'high', 'xhigh']);
const includeValues = exhaustiveValues<NonNullable<CallAcceptParams['include']>[number]>()(['item.input_audio_transcription.logprobs']);
const modalityValues = exhaustiveValues<NonNullable<CallAcceptParams['output_modalities']>[number]>()(['text', 'audio']);
const toolChoiceOptions = exhaustiveValues<ToolChoiceOptions>()(['none', 'auto', 'required']);
const transcriptionDelays = exhaustiveValues<NonNullable<AudioTranscription['delay']>>()(['minimal', 'low', 'medium', 'high', 'xhigh']);
const truncationModes = ['auto', 'disabled'] as const satisfies readonly Exclude<CallAcceptParams['truncation'], object | undefined>[];
const formatTypes = ['audio/pcm', 'audio/pcmu', 'audio/pcma'] as const;

/** The built-in voices (the SDK types voice as an open string, so this list is ours). */
export const builtInVoices = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;
const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

export interface SessionValidation {
  params: CallAcceptParams;
  /** Accepted but pointless for SIP (e.g. audio formats: SDP negotiates the codec). */
  warnings: string[];
}

/**
 * Checks an accept body. `prefix` is '' for accept and 'session' for session.update,
 * so error params read like the real ones ('session.audio.output.voice').
 */
export function validateAccept(body: unknown, prefix = ''): { ok: true; value: SessionValidation } | { ok: false; failure: ApiFailure } {
  return runChecks(() => checkSession(body, prefix));
}

function checkSession(body: unknown, prefix: string): SessionValidation {
  const warnings: string[] = [];
  const obj = expectObject(body, prefix || 'body');
  // Unknown keys first: a top-level `voice` should say "Unknown parameter", not "missing type".
  rejectUnknownKeys(obj, topLevelKeys, prefix);
  expectEnum(requireKey(obj, 'type', prefix), at(prefix, 'type'), ['realtime']);

  if (obj.model !== undefined) expectString(obj.model, at(prefix, 'model'));
  if (obj.instructions !== undefined) expectString(obj.instructions, at(prefix, 'instructions'), { maxLength: 1_048_576 });
  if (obj.max_output_tokens !== undefined && obj.max_output_tokens !== 'inf') {
    expectInteger(obj.max_output_tokens, at(prefix, 'max_output_tokens'), { min: 1, max: 4096 });
  }
  if (obj.include !== undefined) {
    expectArray(obj.include, at(prefix, 'include')).forEach((v, i) => expectEnum(v, at(at(prefix, 'include'), i), includeValues));
  }
  if (obj.output_modalities !== undefined) checkModalities(obj.output_modalities, at(prefix, 'output_modalities'));
  if (obj.parallel_tool_calls !== undefined) expectBoolean(obj.parallel_tool_calls, at(prefix, 'parallel_tool_calls'));
  if (obj.prompt !== undefined && obj.prompt !== null) checkPrompt(obj.prompt, at(prefix, 'prompt'));
  if (obj.reasoning !== undefined) {
    const reasoning = expectObject(obj.reasoning, at(prefix, 'reasoning'));
    rejectUnknownKeys(reasoning, reasoningKeys, at(prefix, 'reasoning'));
    if (reasoning.effort !== undefined) expectEnum(reasoning.effort, at(prefix, 'reasoning.effort'), reasoningEfforts);
  }
  if (obj.tracing !== undefined && obj.tracing !== null && obj.tracing !== 'auto') {
    const tracing = expectObject(obj.tracing, at(prefix, 'tracing'));
    rejectUnknownKeys(tracing, tracingKeys, at(prefix, 'tracing'));
    for (const key of ['group_id', 'workflow_name'] as const) {
      if (tracing[key] !== undefined) expectString(tracing[key], at(prefix, `tracing.${key}`));
    }
  }
  if (obj.truncation !== undefined) checkTruncation(obj.truncation, at(prefix, 'truncation'));
  const toolNames = obj.tools === undefined ? [] : checkTools(obj.tools, at(prefix, 'tools'));
  if (obj.tool_choice !== undefined) checkToolChoice(obj.tool_choice, at(prefix, 'tool_choice'), toolNames);
  if (obj.audio !== undefined) checkAudio(obj.audio, at(prefix, 'audio'), warnings);

  // Every key and value was checked against the SDK's CallAcceptParams above.
  return { params: obj as unknown as CallAcceptParams, warnings };
}

function checkModalities(value: unknown, param: string): void {
  const list = expectArray(value, param);
  list.forEach((v, i) => expectEnum(v, at(param, i), modalityValues));
  if (list.length !== 1) {
    fail(apiFailure(400, `Invalid '${param}': exactly one of 'audio' or 'text' is supported.`, { param, code: 'invalid_value' }));
  }
}

function checkPrompt(value: unknown, param: string): void {
  const prompt = expectObject(value, param);
  rejectUnknownKeys(prompt, promptKeys, param);
  expectString(requireKey(prompt, 'id', param), at(param, 'id'));
  if (prompt.version !== undefined && prompt.version !== null) expectString(prompt.version, at(param, 'version'));
  if (prompt.variables !== undefined && prompt.variables !== null) expectObject(prompt.variables, at(param, 'variables'));
}

function checkTruncation(value: unknown, param: string): void {
  if (typeof value === 'string') {
    expectEnum(value, param, truncationModes);
    return;
  }
  const truncation = expectObject(value, param);
  rejectUnknownKeys(truncation, truncationKeys, param);
  expectEnum(requireKey(truncation, 'type', param), at(param, 'type'), ['retention_ratio']);
  expectNumber(requireKey(truncation, 'retention_ratio', param), at(param, 'retention_ratio'), { min: 0, max: 1 });
  if (truncation.token_limits !== undefined) {
    const limits = expectObject(truncation.token_limits, at(param, 'token_limits'));
    rejectUnknownKeys(limits, new Set(['post_instructions']), at(param, 'token_limits'));
    if (limits.post_instructions !== undefined) {
      expectInteger(limits.post_instructions, at(param, 'token_limits.post_instructions'), { min: 1 });
    }
  }
}

/** Returns the function names, for tool_choice. */
function checkTools(value: unknown, param: string): FunctionToolName[] {
  const names: FunctionToolName[] = [];
  expectArray(value, param).forEach((raw, i) => {
    const p = at(param, i);
    const tool = expectObject(raw, p);
    const type = expectEnum(requireKey(tool, 'type', p), at(p, 'type'), ['function', 'mcp']);
    if (type === 'mcp') {
      rejectUnknownKeys(tool, mcpToolKeys, p);
      expectString(requireKey(tool, 'server_label', p), at(p, 'server_label'));
      if (tool.server_url !== undefined) expectString(tool.server_url, at(p, 'server_url'));
      return;
    }
    rejectUnknownKeys(tool, functionToolKeys, p);
    const name = expectString(requireKey(tool, 'name', p), at(p, 'name'), { pattern: toolNamePattern });
    if (tool.description !== undefined) expectString(tool.description, at(p, 'description'));
    if (tool.parameters !== undefined) expectObject(tool.parameters, at(p, 'parameters'));
    if (names.includes(name)) {
      fail(apiFailure(400, `Invalid '${param}': duplicate function name '${name}'.`, { param: at(p, 'name'), code: 'invalid_value' }));
    }
    names.push(name);
  });
  return names;
}

function checkToolChoice(value: unknown, param: string, toolNames: readonly string[]): void {
  if (typeof value === 'string') {
    expectEnum(value, param, toolChoiceOptions);
    return;
  }
  const choice = expectObject(value, param);
  const type = expectEnum(requireKey(choice, 'type', param), at(param, 'type'), ['function', 'mcp']);
  if (type === 'mcp') {
    rejectUnknownKeys(choice, toolChoiceMcpKeys, param);
    expectString(requireKey(choice, 'server_label', param), at(param, 'server_label'));
    return;
  }
  rejectUnknownKeys(choice, toolChoiceFunctionKeys, param);
  const name = expectString(requireKey(choice, 'name', param), at(param, 'name'));
  if (!toolNames.includes(name)) {
    fail(
      apiFailure(400, `Tool choice 'function' with name '${name}' not found in 'tools' parameter.`, {
        param: at(param, 'name'),
        code: 'invalid_value',
      }),
    );
  }
}

function checkAudio(value: unknown, param: string, warnings: string[]): void {
  const audio = expectObject(value, param);
  rejectUnknownKeys(audio, audioKeys, param);
  if (audio.input !== undefined) checkAudioInput(audio.input, at(param, 'input'), warnings);
  if (audio.output !== undefined) checkAudioOutput(audio.output, at(param, 'output'), warnings);
}

function checkFormat(value: unknown, param: string, warnings: string[]): void {
  const format = expectObject(value, param);
  rejectUnknownKeys(format, new Set(['type', 'rate']), param);
  if (format.type !== undefined) expectEnum(format.type, at(param, 'type'), formatTypes);
  if (format.rate !== undefined && format.rate !== 24000) fail(unknownParameter(at(param, 'rate')));
  warnings.push(`${param} is ignored for SIP calls: SDP negotiates the codec`);
}

function checkAudioInput(value: unknown, param: string, warnings: string[]): void {
  const input = expectObject(value, param);
  rejectUnknownKeys(input, audioInputKeys, param);
  if (input.format !== undefined) checkFormat(input.format, at(param, 'format'), warnings);
  if (input.noise_reduction !== undefined && input.noise_reduction !== null) {
    const p = at(param, 'noise_reduction');
    const nr = expectObject(input.noise_reduction, p);
    rejectUnknownKeys(nr, noiseReductionKeys, p);
    if (nr.type !== undefined) expectEnum(nr.type, at(p, 'type'), noiseReductionTypes);
    if (nr.strength !== undefined) expectNumber(nr.strength, at(p, 'strength'), { min: 0 });
  }
  if (input.transcription !== undefined && input.transcription !== null) {
    const p = at(param, 'transcription');
    const tr = expectObject(input.transcription, p);
    rejectUnknownKeys(tr, transcriptionKeys, p);
    if (tr.model !== undefined) expectString(tr.model, at(p, 'model'));
    if (tr.language !== undefined) expectString(tr.language, at(p, 'language'));
    if (tr.prompt !== undefined) expectString(tr.prompt, at(p, 'prompt'));
    if (tr.delay !== undefined) expectEnum(tr.delay, at(p, 'delay'), transcriptionDelays);
    if (tr.keywords !== undefined) expectStringArray(tr.keywords, at(p, 'keywords'));
    if (tr.languages !== undefined) expectStringArray(tr.languages, at(p, 'languages'));
  }
  if (input.turn_detection !== undefined && input.turn_detection !== null) {
    checkTurnDetection(input.turn_detection, at(param, 'turn_detection'));
  }
}

function checkTurnDetection(value: unknown, param: string): void {
  const td = expectObject(value, param);
  const type = expectEnum(requireKey(td, 'type', param), at(param, 'type'), turnDetectionTypes);
  rejectUnknownKeys(td, type === 'server_vad' ? sipServerVadKeys : semanticVadKeys, param);
  if (td.create_response !== undefined) expectBoolean(td.create_response, at(param, 'create_response'));
  if (td.interrupt_response !== undefined) expectBoolean(td.interrupt_response, at(param, 'interrupt_response'));
  if (td.idle_timeout_ms !== undefined && td.idle_timeout_ms !== null) {
    expectInteger(td.idle_timeout_ms, at(param, 'idle_timeout_ms'), { min: 5000, max: 30000 });
  }
  if (td.eagerness !== undefined) expectEnum(td.eagerness, at(param, 'eagerness'), eagernessValues);
}

function checkAudioOutput(value: unknown, param: string, warnings: string[]): void {
  const output = expectObject(value, param);
  rejectUnknownKeys(output, audioOutputKeys, param);
  if (output.format !== undefined) checkFormat(output.format, at(param, 'format'), warnings);
  if (output.speed !== undefined) expectNumber(output.speed, at(param, 'speed'), { min: 0.25, max: 1.5 });
  if (output.voice !== undefined) {
    const p = at(param, 'voice');
    if (typeof output.voice === 'string') {
      expectEnum(output.voice, p, builtInVoices);
    } else {
      const custom = expectObject(output.voice, p);
      rejectUnknownKeys(custom, customVoiceKeys, p);
      expectString(requireKey(custom, 'id', p), at(p, 'id'), { pattern: /^voice_[A-Za-z0-9]+$/ });
    }
  }
}
