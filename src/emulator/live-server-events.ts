// Builders for the GPT-Live sideband events the emulator sends, each checked against the SDK's types.
import type {
  CommentaryAppendedEvent,
  DelegationCreatedEvent,
  ErrorEvent,
  InputAudioMutedEvent,
  InputAudioUnmutedEvent,
  InputTranscriptDeltaEvent,
  InstructionsAppendedEvent,
  OutputAudioFixturePlayedEvent,
  OutputAudioFixturePlayingEvent,
  OutputTranscriptDeltaEvent,
  ResponseEvent,
  SessionClosedEvent,
  SessionResource,
  SessionStartedEvent,
  SessionUpdatedEvent,
  SessionUsageUpdatedEvent,
  ThinkingAppendedEvent,
} from 'openai/resources/live/live';
import type { ConnectServerEvent } from 'openai/resources/live/sideband/sideband';
import type {
  ResponseFunctionCallArgumentsDoneEvent,
  ResponseFunctionToolCall,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  ResponseTextDoneEvent,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import { newServerEventId } from './ids.ts';

/** Echoes the client's event_id as client_event_id, when it gave one. */
const echo = (clientEventId: string | undefined): { client_event_id?: string } => (clientEventId ? { client_event_id: clientEventId } : {});

export const sessionStarted = (session: SessionResource) =>
  ({ type: 'session.started', event_id: newServerEventId(), session }) satisfies SessionStartedEvent;

export const sessionUpdated = (session: SessionResource, clientEventId?: string) =>
  ({ type: 'session.updated', event_id: newServerEventId(), session, ...echo(clientEventId) }) satisfies SessionUpdatedEvent;

export const sessionClosed = (reason: SessionClosedEvent['reason'], session: SessionResource, seconds: number) =>
  ({ type: 'session.closed', event_id: newServerEventId(), reason, session, usage: { seconds } }) satisfies SessionClosedEvent;

export const usageUpdated = (seconds: number) =>
  ({ type: 'session.usage.updated', event_id: newServerEventId(), usage: { seconds } }) satisfies SessionUsageUpdatedEvent;

export const inputTranscriptDelta = (delta: string, startMs: number, endMs: number) =>
  ({
    type: 'session.input_transcript.delta',
    event_id: newServerEventId(),
    delta,
    start_ms: startMs,
    end_ms: endMs,
  }) satisfies InputTranscriptDeltaEvent;

export const outputTranscriptDelta = (delta: string, startMs: number, endMs: number) =>
  ({
    type: 'session.output_transcript.delta',
    event_id: newServerEventId(),
    delta,
    start_ms: startMs,
    end_ms: endMs,
  }) satisfies OutputTranscriptDeltaEvent;

export const delegationCreated = (id: string, responseId: string, offsetMs: number) =>
  ({
    type: 'session.delegation.created',
    event_id: newServerEventId(),
    offset_ms: offsetMs,
    delegation: { id, type: 'delegation', target: 'responses', response_id: responseId },
  }) satisfies DelegationCreatedEvent;

/** A nested Responses stream event, wrapped for the sideband. */
export const responseEvent = (delegationId: string | null, event: { type: string; [key: string]: unknown }) =>
  ({ type: 'response.event', event_id: newServerEventId(), delegation_id: delegationId, event }) satisfies ResponseEvent;

export const dtmfReceived = (digit: string) =>
  ({ type: 'transport.dtmf.received', event_id: newServerEventId(), event: digit }) satisfies ConnectServerEvent.TransportDtmfReceived;

export const dtmfSent = (digit: string, clientEventId?: string) =>
  ({
    type: 'transport.dtmf.sent',
    event_id: newServerEventId(),
    event: digit,
    ...echo(clientEventId),
  }) satisfies ConnectServerEvent.TransportDtmfSent;

export const fixturePlaying = (clientEventId?: string) =>
  ({
    type: 'session.output_audio.fixture.playing',
    event_id: newServerEventId(),
    ...echo(clientEventId),
  }) satisfies OutputAudioFixturePlayingEvent;

export const fixturePlayed = (clientEventId?: string) =>
  ({
    type: 'session.output_audio.fixture.played',
    event_id: newServerEventId(),
    ...echo(clientEventId),
  }) satisfies OutputAudioFixturePlayedEvent;

export const inputMuted = (clientEventId?: string) =>
  ({ type: 'session.input_audio.muted', event_id: newServerEventId(), ...echo(clientEventId) }) satisfies InputAudioMutedEvent;

export const inputUnmuted = (clientEventId?: string) =>
  ({ type: 'session.input_audio.unmuted', event_id: newServerEventId(), ...echo(clientEventId) }) satisfies InputAudioUnmutedEvent;

type Appended = InstructionsAppendedEvent | ThinkingAppendedEvent | CommentaryAppendedEvent;
export const appended = (type: Appended['type'], atMs: number, clientEventId?: string) =>
  ({ type, event_id: newServerEventId(), start_ms: atMs, end_ms: atMs, ...echo(clientEventId) }) satisfies Appended;

export interface LiveErrorFields {
  code: string;
  message: string;
  type: string;
  param?: string | null;
}

export const liveError = (error: LiveErrorFields, clientEventId?: string) =>
  ({
    type: 'error',
    event_id: newServerEventId(),
    error: {
      code: error.code,
      message: error.message,
      type: error.type,
      ...(error.param ? { param: error.param } : {}),
      ...echo(clientEventId),
    },
    ...echo(clientEventId),
  }) satisfies ErrorEvent;

// --- nested Responses stream events ---------------------------------------------
// Lifecycle snapshots are trimmed on the sideband ("omit input and clear instructions, tools,
// and output"), so they are not full Response objects.

export const backendResponseCreated = (responseId: string, model: string, sequence: number) => ({
  type: 'response.created',
  sequence_number: sequence,
  response: { id: responseId, object: 'response', status: 'in_progress', model, output: [] },
});

export const backendResponseCompleted = (responseId: string, model: string, sequence: number, usage: ResponseUsage) => ({
  type: 'response.completed',
  sequence_number: sequence,
  response: { id: responseId, object: 'response', status: 'completed', model, output: [], usage },
});

/** Token usage of a delegated response, roughly from its text. */
export const backendUsage = (inputText: string, outputText: string) => {
  const input = 200 + Math.ceil(inputText.length / 4);
  const output = Math.ceil(outputText.length / 4) + 5;
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  } satisfies ResponseUsage;
};

export const functionCallItem = (itemId: string, callId: string, name: string, args: string, status: 'in_progress' | 'completed') =>
  ({
    type: 'function_call',
    id: itemId,
    call_id: callId,
    name,
    arguments: status === 'completed' ? args : '',
    status,
  }) satisfies ResponseFunctionToolCall;

export const backendItemAdded = (item: ResponseFunctionToolCall, sequence: number) =>
  ({ type: 'response.output_item.added', output_index: 0, sequence_number: sequence, item }) satisfies ResponseOutputItemAddedEvent;

export const backendArgumentsDone = (itemId: string, args: string, sequence: number) =>
  ({
    type: 'response.function_call_arguments.done',
    item_id: itemId,
    output_index: 0,
    sequence_number: sequence,
    arguments: args,
  }) satisfies ResponseFunctionCallArgumentsDoneEvent;

export const backendItemDone = (item: ResponseFunctionToolCall, sequence: number) =>
  ({ type: 'response.output_item.done', output_index: 0, sequence_number: sequence, item }) satisfies ResponseOutputItemDoneEvent;

export const backendTextDone = (itemId: string, text: string, sequence: number) =>
  ({
    type: 'response.output_text.done',
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    logprobs: [],
    sequence_number: sequence,
    text,
  }) satisfies ResponseTextDoneEvent;
