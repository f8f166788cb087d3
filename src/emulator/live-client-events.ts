// Reads what the server sends on a Live sideband, refuses what the API would refuse, and acts on the rest.
import type {
  CommentaryAppendEvent,
  DecisionCreateEvent,
  DecisionItemCreateEvent,
  DecisionItemDeleteEvent,
  InputAudioMuteEvent,
  InstructionsAppendEvent,
  OutputAudioFixturePlayEvent,
  ResponseCreateEvent,
  ResponseItemCreateEvent,
  SessionCloseEvent,
  SessionUpdateEvent,
  ThinkingAppendEvent,
} from 'openai/resources/live/live';
import type { ConnectClientEvent } from 'openai/resources/live/sideband/sideband';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import type { RawData, WebSocket } from 'ws';
import type { ApiErrorSummary, ClientEventRecord } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { type ApiFailure, apiFailure } from './errors.ts';
import { cancelAcknowledgements, fixtureBytesPerMs, playFixture, speakLive, startBackendResponse } from './live-model.ts';
import { appended, dtmfSent, inputMuted, inputUnmuted, liveError, sessionUpdated } from './live-server-events.ts';
import { applyLiveSessionUpdate, describeLiveSession } from './live-session.ts';
import { lineFor } from './model-simulator.ts';
import {
  exhaustiveKeys,
  exhaustiveValues,
  expectArray,
  expectEnum,
  expectObject,
  expectString,
  fail,
  isPlainObject,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';
import { validateLiveUpdate } from './validate-live-accept.ts';

export const sidebandClientEventTypes = exhaustiveValues<ConnectClientEvent['type']>()([
  'session.update',
  'session.input_audio.mute',
  'session.input_audio.unmute',
  'session.output_audio.fixture.play',
  'transport.dtmf.send',
  'session.instructions.append',
  'session.thinking.append',
  'session.commentary.append',
  'decision.create',
  'decision.item.create',
  'decision.item.delete',
  'response.item.create',
  'response.create',
  'session.close',
]);

const keysOf = {
  'session.update': exhaustiveKeys<SessionUpdateEvent>()(['type', 'session', 'event_id']),
  'session.input_audio.mute': exhaustiveKeys<InputAudioMuteEvent>()(['type', 'event_id']),
  'session.input_audio.unmute': exhaustiveKeys<InputAudioMuteEvent>()(['type', 'event_id']),
  'session.output_audio.fixture.play': exhaustiveKeys<OutputAudioFixturePlayEvent>()(['type', 'audio', 'event_id']),
  'transport.dtmf.send': exhaustiveKeys<ConnectClientEvent.TransportDtmfSend>()(['type', 'event', 'event_id']),
  'session.instructions.append': exhaustiveKeys<InstructionsAppendEvent>()(['type', 'content', 'delegation_id', 'event_id']),
  'session.thinking.append': exhaustiveKeys<ThinkingAppendEvent>()(['type', 'content', 'delegation_id', 'event_id']),
  'session.commentary.append': exhaustiveKeys<CommentaryAppendEvent>()(['type', 'content', 'delegation_id', 'event_id']),
  'decision.create': exhaustiveKeys<DecisionCreateEvent>()(['type', 'event_id']),
  'decision.item.create': exhaustiveKeys<DecisionItemCreateEvent>()(['type', 'item', 'event_id']),
  'decision.item.delete': exhaustiveKeys<DecisionItemDeleteEvent>()(['type', 'item_id', 'event_id']),
  'response.item.create': exhaustiveKeys<ResponseItemCreateEvent>()(['type', 'item', 'event_id']),
  'response.create': exhaustiveKeys<ResponseCreateEvent>()(['type', 'event_id']),
  'session.close': exhaustiveKeys<SessionCloseEvent>()(['type', 'event_id']),
} satisfies Record<ConnectClientEvent['type'], ReadonlySet<string>>;

const functionOutputKeys = exhaustiveKeys<ResponseInputItem.FunctionCallOutput>()([
  'type',
  'output',
  'call_id',
  'id',
  'caller',
  'name',
  'namespace',
  'status',
]);
const messageRoles = ['user', 'assistant', 'system', 'developer'] as const;
const dtmfKey = /^[0-9A-D*#]$/;
/** Appended text is limited to 500 tokens; about four characters a token. */
const maxAppendChars = 2000;
/** Fixtures: mono PCM16LE at 24 kHz, at most 30 s. */
const maxFixtureBytes = 30_000 * fixtureBytesPerMs;

export interface LiveClientEventContext {
  call: LiveCall;
  ws: WebSocket;
  connection: number;
  playbackMs: number;
}

const invalid = (message: string, fields: { code: string; param?: string }): ApiFailure => apiFailure(400, message, fields);

function refuse(ctx: LiveClientEventContext, entry: ClientEventRecord, failure: ApiFailure, clientEventId: string | undefined): void {
  const { call } = ctx;
  const { code, message, param, type } = failure.body.error;
  const summary: ApiErrorSummary = { code, message, param };
  entry.error = summary;
  call.record.errorEvents.push({ at: call.clock.now(), ...summary });
  call.sendLiveTo(ctx.ws, liveError({ code: code ?? 'invalid_request', message, type, param }, clientEventId));
  call.note('error', `error sent: ${code ?? type}: ${message}`);
}

export function handleLiveClientMessage(ctx: LiveClientEventContext, data: RawData, isBinary: boolean): void {
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
      invalid('The server could not parse the event: expected a JSON object in a text frame.', { code: 'invalid_json' }),
      undefined,
    );
    return;
  }
  const eventId = isPlainObject(event) && typeof event.event_id === 'string' ? event.event_id : undefined;
  const result = runChecks(() => dispatch(ctx, event, eventId));
  if (!result.ok) refuse(ctx, entry, result.failure, eventId);
  call.changed();
}

function dispatch(ctx: LiveClientEventContext, raw: unknown, eventId: string | undefined): void {
  const event = expectObject(raw, 'event');
  const rawType = expectString(requireKey(event, 'type', ''), 'type');
  if (rawType === 'session.start') {
    fail(
      invalid('A sideband attaches to a session that has already started: do not send session.start.', {
        code: 'invalid_value',
        param: 'type',
      }),
    );
  }
  if (rawType === 'session.input_audio.append') {
    fail(
      invalid('Send input audio over the primary connection; a sideband cannot append audio.', { code: 'invalid_value', param: 'type' }),
    );
  }
  const type = expectEnum(rawType, 'type', sidebandClientEventTypes) as ConnectClientEvent['type'];
  rejectUnknownKeys(event, keysOf[type], '');
  if (event.event_id !== undefined && event.event_id !== null) expectString(event.event_id, 'event_id');
  const { call } = ctx;
  switch (type) {
    case 'session.update':
      return sessionUpdate(ctx, event, eventId);
    case 'session.input_audio.mute':
    case 'session.input_audio.unmute': {
      call.live.inputMuted = type === 'session.input_audio.mute';
      call.sendLiveTo(ctx.ws, call.live.inputMuted ? inputMuted(eventId) : inputUnmuted(eventId));
      call.note('session', call.live.inputMuted ? 'input muted' : 'input unmuted');
      return;
    }
    case 'session.output_audio.fixture.play':
      return fixturePlay(ctx, event, eventId);
    case 'transport.dtmf.send': {
      const digit = expectString(requireKey(event, 'event', ''), 'event');
      if (!dtmfKey.test(digit)) {
        fail(
          invalid(`Invalid 'event': one DTMF key (0-9, A-D, *, #) per event, got '${digit}'.`, { code: 'invalid_value', param: 'event' }),
        );
      }
      call.record.dtmfSent.push({ at: call.clock.now(), digit });
      call.sendLive(dtmfSent(digit, eventId));
      call.note('dtmf', `server sent ${digit} to the trunk`);
      return;
    }
    case 'session.instructions.append':
    case 'session.thinking.append':
    case 'session.commentary.append':
      return append(ctx, type, event, eventId);
    case 'decision.create':
    case 'decision.item.create':
    case 'decision.item.delete':
      if (call.record.liveSession?.delegation?.type !== 'decisions') {
        fail(invalid(`${type} requires Decisions delegation.`, { code: 'invalid_request', param: 'type' }));
      }
      if (type === 'decision.create') expectString(requireKey(event, 'event_id', ''), 'event_id');
      call.note('client', `${type} (not emulated)`);
      return;
    case 'response.item.create':
      return responseItemCreate(ctx, event);
    case 'response.create':
      return responseCreate(ctx);
    case 'session.close':
      call.note('session', 'session.close');
      call.end('closed');
      return;
  }
}

function requireResponsesDelegation(ctx: LiveClientEventContext, type: string): void {
  if (ctx.call.record.liveSession?.delegation?.type !== 'responses') {
    fail(
      invalid(`${type} requires Responses delegation; this session delegates to the client.`, { code: 'invalid_request', param: 'type' }),
    );
  }
}

function sessionUpdate(ctx: LiveClientEventContext, event: Record<string, unknown>, eventId: string | undefined): void {
  const { call } = ctx;
  const current = call.record.liveSession;
  if (!current) fail(invalid('The session is not active.', { code: 'session_not_active' }));
  const checked = validateLiveUpdate(requireKey(event, 'session', ''), current.delegation?.type ?? 'client');
  if (!checked.ok) fail(checked.failure);
  call.record.liveSession = applyLiveSessionUpdate(current, checked.value);
  call.sendLiveTo(ctx.ws, sessionUpdated(call.record.liveSession, eventId));
  call.note('session', `session.update ${describeLiveSession(call.record.liveSession)}`);
}

function fixturePlay(ctx: LiveClientEventContext, event: Record<string, unknown>, eventId: string | undefined): void {
  const { call } = ctx;
  const audio = expectString(requireKey(event, 'audio', ''), 'audio');
  // The whole payload is validated before anything plays.
  if (audio.length === 0 || audio.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(audio)) {
    fail(invalid("Invalid 'audio': expected base64-encoded PCM16 audio.", { code: 'invalid_value', param: 'audio' }));
  }
  const pcm = Buffer.from(audio, 'base64');
  if (pcm.subarray(0, 4).toString('latin1') === 'RIFF') {
    fail(
      invalid("Invalid 'audio': raw mono PCM16LE at 24 kHz without a WAV or other container header.", {
        code: 'invalid_value',
        param: 'audio',
      }),
    );
  }
  if (pcm.length % 2 !== 0)
    fail(invalid("Invalid 'audio': PCM16 audio has an even number of bytes.", { code: 'invalid_value', param: 'audio' }));
  if (pcm.length > maxFixtureBytes) {
    fail(
      invalid(`Invalid 'audio': ${Math.round(pcm.length / fixtureBytesPerMs)} ms; a fixture is at most 30 s.`, {
        code: 'audio_too_long',
        param: 'audio',
      }),
    );
  }
  if (call.live.fixture) fail(invalid('A fixture is already playing; only one can be active.', { code: 'fixture_already_active' }));
  playFixture(call, pcm.length, eventId, ctx.playbackMs);
}

type AppendType = 'session.instructions.append' | 'session.thinking.append' | 'session.commentary.append';

function append(ctx: LiveClientEventContext, type: AppendType, event: Record<string, unknown>, eventId: string | undefined): void {
  const { call } = ctx;
  const content = expectString(requireKey(event, 'content', ''), 'content');
  if (content.length > maxAppendChars) {
    fail(invalid("Invalid 'content': at most 500 tokens.", { code: 'string_above_max_length', param: 'content' }));
  }
  // "Required, nullable": null for general context.
  if (!('delegation_id' in event))
    fail(invalid("Missing required parameter: 'delegation_id'.", { code: 'missing_required_parameter', param: 'delegation_id' }));
  if (event.delegation_id !== null) {
    const id = expectString(event.delegation_id, 'delegation_id');
    if (call.record.liveSession?.delegation?.type === 'responses') {
      fail(
        invalid('A delegation_id is not accepted with Responses delegation: send null.', { code: 'invalid_value', param: 'delegation_id' }),
      );
    }
    fail(invalid(`Unknown delegation '${id}'.`, { code: 'invalid_value', param: 'delegation_id' }));
  }
  if (call.live.fixture) fail(invalid(`${type} is rejected while an audio fixture plays.`, { code: 'fixture_active' }));
  const kind = type.split('.')[1] as 'instructions' | 'thinking' | 'commentary';
  call.sendLiveTo(ctx.ws, appended(`session.${kind}.appended`, call.sessionMs(), eventId));
  if (kind === 'instructions') {
    call.note('session', `instructions appended: ${content}`);
    return;
  }
  // Appended context cancels every pending acknowledgement.
  cancelAcknowledgements(call);
  if (kind === 'thinking') {
    call.note('session', `thinking appended: ${content}`);
    return;
  }
  markGreeting(call, 'greeting requested (commentary)');
  speakLive(call, 'commentary', lineFor(content), ctx.playbackMs);
}

/** The first thing the server has the agent say before the scenario's steps is the greeting. */
function markGreeting(call: LiveCall, text: string): boolean {
  const isGreeting = call.record.greetingRequestedAt === undefined && call.record.stepsStartedAt === undefined;
  if (!isGreeting) return false;
  call.record.greetingRequestedAt = call.clock.now();
  call.note('agent', text);
  return true;
}

function responseItemCreate(ctx: LiveClientEventContext, event: Record<string, unknown>): void {
  const { call } = ctx;
  requireResponsesDelegation(ctx, 'response.item.create');
  const item = expectObject(requireKey(event, 'item', ''), 'item');
  const type = item.type === undefined ? 'message' : expectEnum(item.type, 'item.type', ['message', 'function_call_output']);
  if (type === 'function_call_output') {
    rejectUnknownKeys(item, functionOutputKeys, 'item');
    const callId = expectString(requireKey(item, 'call_id', 'item'), 'item.call_id');
    const output =
      typeof item.output === 'string' ? item.output : JSON.stringify(expectArray(requireKey(item, 'output', 'item'), 'item.output'));
    const issued = call.record.functionCalls.find((f) => f.callId === callId);
    if (!issued) fail(invalid(`No tool call found for call_id '${callId}'.`, { code: 'invalid_value', param: 'item.call_id' }));
    issued.outputs.push({ at: call.clock.now(), output });
    call.live.pendingOutputs++;
    call.note(
      'tool',
      `tool output ${callId} ← ${output}${issued.outputs.length > 1 ? ` (output #${issued.outputs.length} for this call)` : ''}`,
    );
    if (issued.outputs.length > 1) call.issue(`function call ${callId} (${issued.name}) got ${issued.outputs.length} outputs`);
    return;
  }
  const role = expectEnum(requireKey(item, 'role', 'item'), 'item.role', messageRoles);
  const content = requireKey(item, 'content', 'item');
  const text =
    typeof content === 'string'
      ? content
      : expectArray(content, 'item.content')
          .map((part, i) =>
            expectString(requireKey(expectObject(part, `item.content[${i}]`), 'text', `item.content[${i}]`), `item.content[${i}].text`),
          )
          .join(' ');
  call.live.pendingMessages.push(text);
  call.note('client', `backend item (${role} message)`);
}

function responseCreate(ctx: LiveClientEventContext): void {
  const { call } = ctx;
  requireResponsesDelegation(ctx, 'response.create');
  if (call.live.backendResponseId) {
    fail(
      invalid(`A delegated response is already in progress: ${call.live.backendResponseId}. Wait until it completes.`, {
        code: 'conversation_already_has_active_response',
      }),
    );
  }
  const delegationId = call.live.openDelegationId;
  const unanswered = call.record.functionCalls.filter(
    (f) => f.delegationId === delegationId && delegationId !== undefined && f.outputs.length === 0,
  );
  if (unanswered.length > 0) {
    fail(invalid(`No tool output found for function call ${unanswered.map((f) => f.callId).join(', ')}.`, { code: 'invalid_request' }));
  }
  if (!markGreeting(call, 'greeting requested (response.create)')) call.note('agent', 'response requested');
  startBackendResponse(call, ctx.playbackMs);
}
