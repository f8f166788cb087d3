// Builders for the server events the emulator sends, each checked against the SDK's types.
import type {
  ConversationItem,
  ConversationItemAdded,
  ConversationItemDone,
  ConversationItemInputAudioTranscriptionCompletedEvent,
  InputAudioBufferCommittedEvent,
  InputAudioBufferDtmfEventReceivedEvent,
  InputAudioBufferSpeechStartedEvent,
  InputAudioBufferSpeechStoppedEvent,
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCall,
  RealtimeError,
  RealtimeErrorEvent,
  RealtimeResponse,
  RealtimeResponseUsage,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
  ResponseAudioTranscriptDoneEvent,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  ResponseFunctionCallArgumentsDoneEvent,
  ResponseOutputItemDoneEvent,
  SessionCreatedEvent,
  SessionUpdatedEvent,
} from 'openai/resources/realtime/realtime';
import type { Metadata } from 'openai/resources/shared';
import { newServerEventId } from './ids.ts';

type OutputAudioBufferEvent =
  | RealtimeServerEvent.OutputAudioBufferStarted
  | RealtimeServerEvent.OutputAudioBufferStopped
  | RealtimeServerEvent.OutputAudioBufferCleared;

export const sessionCreated = (session: RealtimeSessionCreateRequest) =>
  ({ type: 'session.created', event_id: newServerEventId(), session }) satisfies SessionCreatedEvent;

export const sessionUpdated = (session: RealtimeSessionCreateRequest) =>
  ({ type: 'session.updated', event_id: newServerEventId(), session }) satisfies SessionUpdatedEvent;

export const errorEvent = (error: RealtimeError) => ({ type: 'error', event_id: newServerEventId(), error }) satisfies RealtimeErrorEvent;

export interface ResponseShape {
  id: string;
  conversationId: string;
  status: NonNullable<RealtimeResponse['status']>;
  output: ConversationItem[];
  usage?: RealtimeResponseUsage;
  reason?: 'client_cancelled' | 'turn_detected';
  /** Echoed from response.create, as OpenAI does. */
  metadata?: Metadata | null;
}

function response(shape: ResponseShape): RealtimeResponse {
  return {
    id: shape.id,
    object: 'realtime.response',
    status: shape.status,
    conversation_id: shape.conversationId,
    output_modalities: ['audio'],
    max_output_tokens: 'inf',
    metadata: shape.metadata ?? null,
    output: shape.output,
    ...(shape.reason ? { status_details: { type: 'cancelled', reason: shape.reason } } : {}),
    ...(shape.usage ? { usage: shape.usage } : {}),
  } satisfies RealtimeResponse;
}

export const responseCreated = (shape: ResponseShape) =>
  ({ type: 'response.created', event_id: newServerEventId(), response: response(shape) }) satisfies ResponseCreatedEvent;

export const responseDone = (shape: ResponseShape) =>
  ({ type: 'response.done', event_id: newServerEventId(), response: response(shape) }) satisfies ResponseDoneEvent;

export const outputAudioBuffer = (type: OutputAudioBufferEvent['type'], responseId: string) =>
  ({ type, event_id: newServerEventId(), response_id: responseId }) satisfies OutputAudioBufferEvent;

export const audioTranscriptDone = (responseId: string, itemId: string, transcript: string) =>
  ({
    type: 'response.output_audio_transcript.done',
    event_id: newServerEventId(),
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    transcript,
  }) satisfies ResponseAudioTranscriptDoneEvent;

export const assistantMessage = (itemId: string, transcript: string, status: 'completed' | 'incomplete') =>
  ({
    id: itemId,
    object: 'realtime.item',
    type: 'message',
    role: 'assistant',
    status,
    content: [{ type: 'output_audio', transcript }],
  }) satisfies RealtimeConversationItemAssistantMessage;

export const functionCallItem = (itemId: string, callId: string, name: string, args: string) =>
  ({
    id: itemId,
    object: 'realtime.item',
    type: 'function_call',
    status: 'completed',
    call_id: callId,
    name,
    arguments: args,
  }) satisfies RealtimeConversationItemFunctionCall;

export const functionCallArgumentsDone = (responseId: string, itemId: string, callId: string, name: string, args: string) =>
  ({
    type: 'response.function_call_arguments.done',
    event_id: newServerEventId(),
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    call_id: callId,
    name,
    arguments: args,
  }) satisfies ResponseFunctionCallArgumentsDoneEvent;

export const outputItemDone = (responseId: string, item: ConversationItem) =>
  ({
    type: 'response.output_item.done',
    event_id: newServerEventId(),
    response_id: responseId,
    output_index: 0,
    item,
  }) satisfies ResponseOutputItemDoneEvent;

export const conversationItemAdded = (item: ConversationItem, previousItemId: string | null) =>
  ({
    type: 'conversation.item.added',
    event_id: newServerEventId(),
    item,
    previous_item_id: previousItemId,
  }) satisfies ConversationItemAdded;

export const conversationItemDone = (item: ConversationItem, previousItemId: string | null) =>
  ({ type: 'conversation.item.done', event_id: newServerEventId(), item, previous_item_id: previousItemId }) satisfies ConversationItemDone;

export const speechStarted = (itemId: string, audioStartMs: number) =>
  ({
    type: 'input_audio_buffer.speech_started',
    event_id: newServerEventId(),
    item_id: itemId,
    audio_start_ms: audioStartMs,
  }) satisfies InputAudioBufferSpeechStartedEvent;

export const speechStopped = (itemId: string, audioEndMs: number) =>
  ({
    type: 'input_audio_buffer.speech_stopped',
    event_id: newServerEventId(),
    item_id: itemId,
    audio_end_ms: audioEndMs,
  }) satisfies InputAudioBufferSpeechStoppedEvent;

export const audioCommitted = (itemId: string, previousItemId: string | null) =>
  ({
    type: 'input_audio_buffer.committed',
    event_id: newServerEventId(),
    item_id: itemId,
    previous_item_id: previousItemId,
  }) satisfies InputAudioBufferCommittedEvent;

export const transcriptionCompleted = (itemId: string, transcript: string, seconds: number) =>
  ({
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: newServerEventId(),
    item_id: itemId,
    content_index: 0,
    transcript,
    usage: { type: 'duration', seconds },
  }) satisfies ConversationItemInputAudioTranscriptionCompletedEvent;

export const dtmfReceived = (digit: string, receivedAtSeconds: number) =>
  ({
    type: 'input_audio_buffer.dtmf_event_received',
    event: digit,
    received_at: receivedAtSeconds,
  }) satisfies InputAudioBufferDtmfEventReceivedEvent;
