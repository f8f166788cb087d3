// The model's side of a call: spoken responses that "play" for a while, and function calls.
import type { RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import type { Metadata } from 'openai/resources/shared';
import type { FunctionCallRecord, ResponseRecord } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { newConversationId, newFunctionCallId, newItemId, newResponseId } from './ids.ts';
import {
  assistantMessage,
  audioTranscriptDone,
  functionCallArgumentsDone,
  functionCallItem,
  outputAudioBuffer,
  outputItemDone,
  type ResponseShape,
  responseCreated,
  responseDone,
} from './server-events.ts';

const conversationIds = new WeakMap<LiveCall, string>();
const conversationId = (call: LiveCall): string => {
  let id = conversationIds.get(call);
  if (!id) conversationIds.set(call, (id = newConversationId()));
  return id;
};

export const genericLine = 'Hello! How can I assist you today?';

/**
 * What the model "says" for response.create: the first quoted text in the instructions, else the
 * text of the response's own input (a script to read, as the greeting is sent), else the
 * instructions, else a generic line.
 */
export function lineFor(instructions: string | undefined, inputText?: string): string {
  if (inputText?.trim() && !/["“]/.test(instructions ?? '')) return inputText.trim();
  if (!instructions?.trim()) return genericLine;
  const quoted = /["“]([^"”]+)["”]/.exec(instructions);
  return (quoted?.[1] ?? instructions).trim();
}

function usage(call: LiveCall, transcript: string): RealtimeResponseUsage {
  const textTokens = Math.ceil((call.record.session?.instructions?.length ?? 0) / 4) + 20 * call.record.responses.length;
  const outputText = Math.ceil(transcript.length / 4);
  const outputAudio = outputText * 5;
  return {
    input_tokens: textTokens + 30,
    output_tokens: outputText + outputAudio,
    total_tokens: textTokens + 30 + outputText + outputAudio,
    input_token_details: { text_tokens: textTokens, audio_tokens: 30, cached_tokens: 0 },
    output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
  };
}

/**
 * Starts a spoken response. Events: response.created, output_audio_buffer.started,
 * response.output_audio_transcript.done, then after playbackMs output_audio_buffer.stopped and response.done.
 */
export function startResponse(
  call: LiveCall,
  origin: ResponseRecord['origin'],
  transcript: string,
  playbackMs: number,
  metadata: Metadata | null = null,
): ResponseRecord {
  const record: ResponseRecord = { id: newResponseId(), origin, requestedAt: call.clock.now(), transcript, status: 'in_progress' };
  const itemId = newItemId();
  call.record.responses.push(record);
  const shape: ResponseShape = { id: record.id, conversationId: conversationId(call), status: 'in_progress', output: [], metadata };
  call.send(responseCreated(shape));
  call.send(outputAudioBuffer('output_audio_buffer.started', record.id));
  call.send(audioTranscriptDone(record.id, itemId, transcript));
  call.record.transcript.push({ at: call.clock.now(), speaker: 'agent', text: transcript });
  call.note('agent', `"${transcript}"`);
  const active = { record, itemId, metadata, timer: undefined as NodeJS.Timeout | undefined };
  call.activeResponse = active;
  active.timer = call.setTimer(() => finishResponse(call, 'completed'), playbackMs);
  call.changed();
  return record;
}

/** Ends the active response: played out ('completed') or cut off ('cancelled'). */
export function finishResponse(call: LiveCall, status: 'completed' | 'cancelled'): boolean {
  const active = call.activeResponse;
  if (!active) return false;
  call.clearTimer(active.timer);
  call.activeResponse = undefined;
  const { record } = active;
  const transcript = record.transcript ?? '';
  call.send(outputAudioBuffer(status === 'completed' ? 'output_audio_buffer.stopped' : 'output_audio_buffer.cleared', record.id));
  call.send(
    responseDone({
      id: record.id,
      conversationId: conversationId(call),
      status,
      output: [assistantMessage(active.itemId, transcript, status === 'completed' ? 'completed' : 'incomplete')],
      usage: usage(call, transcript),
      metadata: active.metadata,
      ...(status === 'cancelled' ? { reason: 'client_cancelled' as const } : {}),
    }),
  );
  record.status = status;
  record.doneAt = call.clock.now();
  if (status === 'cancelled') call.note('agent', 'response cancelled');
  call.changed();
  return true;
}

/**
 * The model calls a tool: response.created, response.function_call_arguments.done,
 * response.output_item.done (function_call item), response.done.
 */
export function emitFunctionCall(call: LiveCall, name: string, args: Record<string, unknown>): FunctionCallRecord {
  const responseId = newResponseId();
  const itemId = newItemId();
  const record: FunctionCallRecord = {
    callId: newFunctionCallId(),
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
  const item = functionCallItem(itemId, record.callId, name, record.arguments);
  const base = { id: responseId, conversationId: conversationId(call) };
  call.send(responseCreated({ ...base, status: 'in_progress', output: [] }));
  call.send(functionCallArgumentsDone(responseId, itemId, record.callId, name, record.arguments));
  call.send(outputItemDone(responseId, item));
  call.send(responseDone({ ...base, status: 'completed', output: [item], usage: usage(call, record.arguments) }));
  call.note('tool', `tool call ${name}(${record.arguments}) ${record.callId}`);
  return record;
}
