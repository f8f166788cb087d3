// Reads what the server sends on the control socket, refuses what OpenAI would refuse, and acts on the rest.

import type {
  ConversationItem,
  InputAudioBufferClearedEvent,
  RealtimeClientEvent,
  RealtimeConversationItemFunctionCallOutput,
  RealtimeResponseCreateParams,
} from 'openai/resources/realtime/realtime';
import type { Metadata } from 'openai/resources/shared';
import type { RawData, WebSocket } from 'ws';
import type { ApiErrorSummary, ClientEventRecord } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import type { ApiFailure } from './errors.ts';
import { apiFailure, invalidValue } from './errors.ts';
import { newItemId, newServerEventId } from './ids.ts';
import { finishResponse, lineFor, startResponse } from './model-simulator.ts';
import {
  exhaustiveKeys,
  exhaustiveValues,
  expectEnum,
  expectObject,
  expectString,
  fail,
  isPlainObject,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';
import { conversationItemAdded, conversationItemDone, errorEvent, outputAudioBuffer, sessionUpdated } from './server-events.ts';
import { applySessionUpdate, describeSession, sessionVoice } from './session.ts';
import { validateAccept } from './validate-accept.ts';

export const clientEventTypes = exhaustiveValues<RealtimeClientEvent['type']>()([
  'conversation.item.create',
  'conversation.item.delete',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'input_audio_buffer.append',
  'input_audio_buffer.clear',
  'output_audio_buffer.clear',
  'input_audio_buffer.commit',
  'response.cancel',
  'response.create',
  'session.update',
]);
const itemTypes = exhaustiveValues<ConversationItem['type']>()([
  'message',
  'function_call',
  'function_call_output',
  'mcp_approval_response',
  'mcp_list_tools',
  'mcp_call',
  'mcp_approval_request',
]);
const functionOutputKeys = exhaustiveKeys<RealtimeConversationItemFunctionCallOutput>()([
  'type',
  'call_id',
  'output',
  'id',
  'object',
  'status',
]);
const responseCreateKeys = exhaustiveKeys<RealtimeResponseCreateParams>()([
  'audio',
  'conversation',
  'input',
  'instructions',
  'max_output_tokens',
  'metadata',
  'output_modalities',
  'parallel_tool_calls',
  'prompt',
  'reasoning',
  'tool_choice',
  'tools',
]);

export interface ClientEventContext {
  call: LiveCall;
  ws: WebSocket;
  connection: number;
  playbackMs: number;
}

const summary = (failure: ApiFailure): ApiErrorSummary => {
  const { code, message, param } = failure.body.error;
  return { code, message, param };
};

function refuse(ctx: ClientEventContext, entry: ClientEventRecord, failure: ApiFailure, clientEventId: unknown): void {
  const { call } = ctx;
  const error = failure.body.error;
  entry.error = summary(failure);
  call.record.errorEvents.push({ at: call.clock.now(), ...entry.error });
  call.sendTo(ctx.ws, errorEvent({ ...error, event_id: typeof clientEventId === 'string' ? clientEventId : null }));
  call.note('error', `error sent: ${error.code ?? error.type}: ${error.message}`);
}

export function handleClientMessage(ctx: ClientEventContext, data: RawData, isBinary: boolean): void {
  const { call } = ctx;
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  const text = buffer.toString('utf8');
  let event: unknown;
  try {
    event = isBinary ? undefined : JSON.parse(text);
  } catch {
    event = undefined;
  }
  const entry: ClientEventRecord = { at: call.clock.now(), connection: ctx.connection, event: event ?? { raw: text } };
  call.record.clientEvents.push(entry);
  if (event === undefined) {
    refuse(
      ctx,
      entry,
      apiFailure(400, 'The server could not parse the event: expected a JSON object in a text frame.', { code: 'invalid_json' }),
      undefined,
    );
    return;
  }
  const eventId = isPlainObject(event) ? event.event_id : undefined;
  const result = runChecks(() => dispatch(ctx, event));
  if (!result.ok) refuse(ctx, entry, result.failure, eventId);
  call.changed();
}

function dispatch(ctx: ClientEventContext, raw: unknown): void {
  const event = expectObject(raw, 'event');
  const type = expectEnum(requireKey(event, 'type', ''), 'type', clientEventTypes);
  if (event.event_id !== undefined) expectString(event.event_id, 'event_id');
  switch (type) {
    case 'session.update':
      return sessionUpdate(ctx, event);
    case 'response.create':
      return responseCreate(ctx, event);
    case 'response.cancel':
      return responseCancel(ctx, event);
    case 'output_audio_buffer.clear':
      return outputAudioClear(ctx);
    case 'conversation.item.create':
      return itemCreate(ctx, event);
    case 'input_audio_buffer.clear':
      ctx.call.sendTo(ctx.ws, { type: 'input_audio_buffer.cleared', event_id: newServerEventId() } satisfies InputAudioBufferClearedEvent);
      return;
    default:
      // Valid but without effect here: SIP audio does not travel on the control socket.
      return;
  }
}

function sessionUpdate(ctx: ClientEventContext, event: Record<string, unknown>): void {
  const { call } = ctx;
  const session = expectObject(requireKey(event, 'session', ''), 'session');
  requireKey(session, 'type', 'session');
  const checked = validateAccept(session, 'session');
  if (!checked.ok) fail(checked.failure);
  const current = call.record.session;
  if (!current) fail(apiFailure(400, 'The session is not active.', { code: 'session_not_active' }));
  const newVoice = checked.value.params.audio?.output?.voice;
  const spoke = call.record.responses.some((r) => r.origin !== 'function_call');
  if (
    newVoice !== undefined &&
    spoke &&
    sessionVoice({ type: 'realtime', audio: { output: { voice: newVoice } } }) !== sessionVoice(current)
  ) {
    fail(
      apiFailure(400, "Cannot update a conversation's voice if assistant audio is present.", {
        param: 'session.audio.output.voice',
        code: 'cannot_update_voice',
      }),
    );
  }
  call.record.session = applySessionUpdate(current, checked.value.params);
  for (const warning of checked.value.warnings) call.issue(warning);
  call.sendTo(ctx.ws, sessionUpdated(call.record.session));
  call.note('session', `session.update ${describeSession(call.record.session)}`);
}

function responseCreate(ctx: ClientEventContext, event: Record<string, unknown>): void {
  const { call } = ctx;
  let instructions: string | undefined;
  let metadata: Metadata | null = null;
  let inputText: string | undefined;
  if (event.response !== undefined) {
    const response = expectObject(event.response, 'response');
    rejectUnknownKeys(response, responseCreateKeys, 'response');
    if (response.instructions !== undefined) instructions = expectString(response.instructions, 'response.instructions');
    if (response.metadata !== undefined && response.metadata !== null) metadata = checkMetadata(response.metadata, 'response.metadata');
    if (response.input !== undefined) inputText = inputTextOf(response.input);
  }
  const active = call.activeResponse;
  if (active) {
    fail(
      apiFailure(
        400,
        `Conversation already has an active response in progress: ${active.record.id}. Wait until the response is finished before creating a new one.`,
        { code: 'conversation_already_has_active_response' },
      ),
    );
  }
  const isGreeting = call.record.greetingRequestedAt === undefined && call.record.stepsStartedAt === undefined;
  if (isGreeting) call.record.greetingRequestedAt = call.clock.now();
  call.note('agent', isGreeting ? 'greeting requested' : 'response requested');
  startResponse(call, 'client', lineFor(instructions, inputText), ctx.playbackMs, metadata);
}

/** The text of the message items in response.input (the context of that response alone). */
function inputTextOf(value: unknown): string {
  if (!Array.isArray(value))
    fail(apiFailure(400, "Invalid type for 'response.input': expected an array.", { param: 'response.input', code: 'invalid_type' }));
  const texts: string[] = [];
  value.forEach((raw, i) => {
    const item = expectObject(raw, `response.input[${i}]`);
    if (item.type !== 'message' || !Array.isArray(item.content)) return;
    for (const part of item.content)
      if (isPlainObject(part) && part.type === 'input_text' && typeof part.text === 'string') texts.push(part.text);
  });
  return texts.join(' ');
}

/** Up to 16 string pairs; keys up to 64 characters, values up to 512. */
function checkMetadata(value: unknown, param: string): Metadata {
  const obj = expectObject(value, param);
  const entries = Object.entries(obj);
  if (entries.length > 16) {
    fail(
      apiFailure(
        400,
        `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got ${entries.length} instead.`,
        { param, code: 'object_above_max_properties' },
      ),
    );
  }
  for (const [key, v] of entries) {
    if (key.length > 64)
      fail(apiFailure(400, `Invalid '${param}': metadata keys must be at most 64 characters.`, { param, code: 'invalid_value' }));
    expectString(v, `${param}.${key}`, { maxLength: 512 });
  }
  return obj as Metadata;
}

function responseCancel(ctx: ClientEventContext, event: Record<string, unknown>): void {
  const active = ctx.call.activeResponse;
  const wanted = event.response_id === undefined ? undefined : expectString(event.response_id, 'response_id');
  if (!active || (wanted !== undefined && wanted !== active.record.id)) {
    fail(apiFailure(400, 'Cancellation failed: no active response found', { code: 'response_cancel_not_active' }));
  }
  finishResponse(ctx.call, 'cancelled');
}

function outputAudioClear(ctx: ClientEventContext): void {
  const { call } = ctx;
  if (finishResponse(call, 'cancelled')) return;
  const last = call.record.responses.at(-1);
  call.sendTo(ctx.ws, outputAudioBuffer('output_audio_buffer.cleared', last?.id ?? ''));
}

function itemCreate(ctx: ClientEventContext, event: Record<string, unknown>): void {
  const { call } = ctx;
  const item = expectObject(requireKey(event, 'item', ''), 'item');
  const type = expectEnum(requireKey(item, 'type', 'item'), 'item.type', itemTypes);
  if (item.id !== undefined) expectString(item.id, 'item.id');
  if (type === 'function_call_output') {
    rejectUnknownKeys(item, functionOutputKeys, 'item');
    const callId = expectString(requireKey(item, 'call_id', 'item'), 'item.call_id');
    const output = expectString(requireKey(item, 'output', 'item'), 'item.output');
    const issued = call.record.functionCalls.find((f) => f.callId === callId);
    if (!issued) {
      fail(apiFailure(400, `Tool call ID '${callId}' not found in conversation.`, { param: 'item.call_id', code: 'invalid_value' }));
    }
    issued.outputs.push({ at: call.clock.now(), output });
    call.note(
      'tool',
      `tool output ${callId} ← ${output}${issued.outputs.length > 1 ? ` (output #${issued.outputs.length} for this call)` : ''}`,
    );
    if (issued.outputs.length > 1) call.issue(`function call ${callId} (${issued.name}) got ${issued.outputs.length} outputs`);
  } else if (type === 'message') {
    expectEnum(requireKey(item, 'role', 'item'), 'item.role', ['system', 'user', 'assistant']);
    if (!Array.isArray(requireKey(item, 'content', 'item'))) fail(invalidValue('item.content', item.content));
    call.note('client', `conversation item (${String(item.role)} message)`);
  }
  // Validated above against the SDK's ConversationItem shapes for the types that matter here.
  const stored = {
    ...item,
    id: typeof item.id === 'string' ? item.id : newItemId(),
    object: 'realtime.item',
    status: 'completed',
  } as unknown as ConversationItem;
  call.sendTo(ctx.ws, conversationItemAdded(stored, null));
  call.sendTo(ctx.ws, conversationItemDone(stored, null));
}
