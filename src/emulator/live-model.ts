// The GPT-Live side of a call: the voice model's speech (transcript deltas with session-timeline ms),
// delegated function calls through the Responses backend, audio fixtures and usage.
import type { FixtureRecord, FunctionCallRecord, ResponseRecord, TranscriptLine } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { newDelegationId, newFunctionCallId, newItemId, newResponseId } from './ids.ts';
import {
  backendArgumentsDone,
  backendItemAdded,
  backendItemDone,
  backendResponseCompleted,
  backendResponseCreated,
  backendTextDone,
  backendUsage,
  delegationCreated,
  fixturePlayed,
  fixturePlaying,
  functionCallItem,
  outputTranscriptDelta,
  responseEvent,
  usageUpdated,
} from './live-server-events.ts';
import { delegationFunctionNames, delegationModel } from './live-session.ts';
import { genericLine, lineFor } from './model-simulator.ts';

/** What the voice model says on its own when it hands a turn to the backend. */
export const ackLine = 'One moment, please.';
/** What the backend answers after tool outputs, when nothing told it what to say. */
export const followUpLine = 'All right, that is done.';
/** How long the delegated Responses model takes to answer. */
const backendThinkMs = 20;
/** PCM16 mono at 24 kHz. */
export const fixtureBytesPerMs = 48;

const sequences = new WeakMap<LiveCall, number>();
const nextSequence = (call: LiveCall): number => {
  const n = (sequences.get(call) ?? 0) + 1;
  sequences.set(call, n);
  return n;
};

/** Splits a line into up to three transcript deltas; they start with a space, like word tokens. */
export function deltasOf(text: string): string[] {
  const words = ` ${text.trim()}`.split(/(?=\s)/).filter((w) => w !== '');
  const count = Math.min(3, Math.max(1, Math.ceil(words.length / 2)));
  const size = Math.ceil(words.length / count);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(''));
  return out.length > 0 ? out : [text];
}

export function reportUsage(call: LiveCall): void {
  call.record.usageSeconds = call.usageSeconds();
  call.sendLive(usageUpdated(call.record.usageSeconds));
}

/** The voice model says `text` now, or after what it is saying (or the clip playing) ends. */
export function speakLive(call: LiveCall, origin: ResponseRecord['origin'], text: string, playbackMs: number): void {
  if (call.isEnded) return;
  if (call.live.speech || call.live.fixture) {
    call.live.queue.push({ origin, text });
    return;
  }
  startSpeech(call, origin, text, playbackMs);
}

function startSpeech(call: LiveCall, origin: ResponseRecord['origin'], text: string, playbackMs: number): void {
  const record: ResponseRecord = { id: newResponseId(), origin, requestedAt: call.clock.now(), transcript: text, status: 'in_progress' };
  call.record.responses.push(record);
  const line: TranscriptLine = { at: call.clock.now(), speaker: 'agent', text: '' };
  call.record.transcript.push(line);
  call.live.startUtterance();
  const startMs = call.sessionMs();
  const parts = deltasOf(text);
  const partMs = playbackMs / parts.length;
  call.live.speech = { record, line, startMs };
  const sendPart = (i: number): void => {
    const part = parts[i];
    if (part === undefined || call.live.speech?.record !== record) return;
    line.text = `${line.text}${part}`.trim();
    call.sendLive(outputTranscriptDelta(part, Math.round(startMs + i * partMs), Math.round(startMs + (i + 1) * partMs)));
    call.changed();
  };
  sendPart(0);
  for (let i = 1; i < parts.length; i++) call.setTimer(() => sendPart(i), Math.round(i * partMs));
  call.setTimer(() => endSpeech(call, record, 'completed', playbackMs), playbackMs);
  call.note('agent', `"${text}"${origin === 'ack' ? ' (acknowledgement)' : ''}`);
}

function endSpeech(call: LiveCall, record: ResponseRecord, status: 'completed' | 'cancelled', playbackMs: number): void {
  const speech = call.live.speech;
  if (!speech || speech.record !== record) return;
  call.live.speech = undefined;
  record.status = status;
  record.doneAt = call.clock.now();
  call.record.speech.push({ speaker: 'agent', startMs: speech.startMs, endMs: call.sessionMs() });
  if (status === 'cancelled') call.note('agent', `speech cut off after "${speech.line.text.trim()}"`);
  reportUsage(call);
  pump(call, playbackMs);
  call.changed();
}

/** The next queued utterance, once nothing plays. */
function pump(call: LiveCall, playbackMs: number): void {
  if (call.live.speech || call.live.fixture || call.isEnded) return;
  const next = call.live.queue.shift();
  if (next) startSpeech(call, next.origin, next.text, playbackMs);
}

/** Cuts off what the voice model is saying (a fixture interrupts it). */
export function cutSpeech(call: LiveCall, playbackMs: number): boolean {
  const speech = call.live.speech;
  if (!speech) return false;
  // The remaining deltas check live.speech before going out, so clearing it stops them.
  endSpeech(call, speech.record, 'cancelled', playbackMs);
  return true;
}

export function cancelAcknowledgements(call: LiveCall): void {
  for (const timer of call.live.ackTimers) call.clearTimer(timer);
  call.live.ackTimers.clear();
}

/**
 * The voice model hands a turn to the Responses backend, which calls a function tool:
 * session.delegation.created, then response.event wrapping response.created,
 * output_item.added, function_call_arguments.done, output_item.done and response.completed.
 * The voice model acknowledges after the delegation's acknowledgement_delay_ms.
 */
export function emitLiveFunctionCall(
  call: LiveCall,
  name: string,
  args: Record<string, unknown>,
  playbackMs: number,
): FunctionCallRecord | undefined {
  const session = call.record.liveSession;
  if (session?.delegation?.type !== 'responses') {
    call.issue(`the model cannot call ${name}: the session has no Responses delegation (tools live in delegation.responses.tools)`);
    return undefined;
  }
  if (!delegationFunctionNames(session).includes(name)) {
    call.issue(`the model cannot call ${name}: it is not in delegation.responses.tools`);
    return undefined;
  }
  const delegationId = newDelegationId();
  const responseId = newResponseId();
  const itemId = newItemId();
  const record: FunctionCallRecord = {
    callId: newFunctionCallId(),
    delegationId,
    name,
    arguments: JSON.stringify(args),
    issuedAt: call.clock.now(),
    outputs: [],
  };
  call.record.functionCalls.push(record);
  call.record.responses.push({
    id: responseId,
    origin: 'function_call',
    requestedAt: record.issuedAt,
    status: 'completed',
    doneAt: record.issuedAt,
  });
  call.live.openDelegationId = delegationId;
  call.sendLive(delegationCreated(delegationId, responseId, call.sessionMs()));

  const ackDelayMs = session.delegation.acknowledgement_delay_ms ?? 0;
  const ack = call.setTimer(() => {
    call.live.ackTimers.delete(ack);
    if (!call.live.fixture) speakLive(call, 'ack', ackLine, playbackMs);
  }, ackDelayMs);
  call.live.ackTimers.add(ack);

  const model = delegationModel(session);
  const wrap = (event: { type: string; [key: string]: unknown }) => call.sendLive(responseEvent(delegationId, event));
  wrap(backendResponseCreated(responseId, model, nextSequence(call)));
  wrap(backendItemAdded(functionCallItem(itemId, record.callId, name, record.arguments, 'in_progress'), nextSequence(call)));
  wrap(backendArgumentsDone(itemId, record.arguments, nextSequence(call)));
  wrap(backendItemDone(functionCallItem(itemId, record.callId, name, record.arguments, 'completed'), nextSequence(call)));
  wrap(backendResponseCompleted(responseId, model, nextSequence(call), backendUsage(name, record.arguments)));
  call.note('tool', `delegation ${delegationId}: tool call ${name}(${record.arguments}) ${record.callId}`);
  call.changed();
  return record;
}

/**
 * response.create: the backend answers (what a message added since told it, else a follow-up to
 * the tool outputs, else a generic line), and the voice model says it.
 */
export function startBackendResponse(call: LiveCall, playbackMs: number): void {
  const session = call.record.liveSession;
  const responseId = newResponseId();
  const model = delegationModel(session);
  const delegationId = call.live.openDelegationId ?? null;
  const lastMessage = call.live.pendingMessages.at(-1);
  const text = lastMessage !== undefined ? lineFor(lastMessage) : call.live.pendingOutputs > 0 ? followUpLine : genericLine;
  call.live.pendingMessages = [];
  call.live.pendingOutputs = 0;
  call.live.backendResponseId = responseId;
  const wrap = (event: { type: string; [key: string]: unknown }) => call.sendLive(responseEvent(delegationId, event));
  wrap(backendResponseCreated(responseId, model, nextSequence(call)));
  call.setTimer(() => {
    wrap(backendTextDone(newItemId(), text, nextSequence(call)));
    wrap(backendResponseCompleted(responseId, model, nextSequence(call), backendUsage(lastMessage ?? '', text)));
    call.live.backendResponseId = undefined;
    call.live.openDelegationId = undefined;
    speakLive(call, 'backend', text, playbackMs);
    call.changed();
  }, backendThinkMs);
  call.changed();
}

/** Plays a clip: cuts off the model, mutes input, fixture.playing now and fixture.played when it ends. */
export function playFixture(call: LiveCall, bytes: number, clientEventId: string | undefined, playbackMs: number): void {
  const durationMs = Math.round(bytes / fixtureBytesPerMs);
  cancelAcknowledgements(call);
  cutSpeech(call, playbackMs);
  const fixtureRecord: FixtureRecord = {
    at: call.clock.now(),
    bytes,
    durationMs,
    status: 'playing',
    ...(clientEventId ? { clientEventId } : {}),
  };
  call.record.fixtures.push(fixtureRecord);
  const timer = call.setTimer(() => {
    if (call.live.fixture?.record !== fixtureRecord) return;
    fixtureRecord.status = 'played';
    fixtureRecord.doneAt = call.clock.now();
    call.live.fixture = undefined;
    call.sendLive(fixturePlayed(clientEventId));
    call.note('fixture', 'fixture played');
    reportUsage(call);
    pump(call, playbackMs);
    call.changed();
  }, durationMs);
  call.live.fixture = { record: fixtureRecord, timer };
  call.sendLive(fixturePlaying(clientEventId));
  call.note('fixture', `fixture playing (${durationMs} ms, ${bytes} bytes)`);
  call.changed();
}
