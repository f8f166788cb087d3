// The boundary for what OpenAI sends on the control socket: each event type we act on is
// checked for the fields we read, before any handler sees it. The shapes are the SDK's
// (openai/resources/realtime), loosened only where a real server may send null or leave a
// field out and the handlers cope. Everything else passes with just its `type` checked.
import type {
  ConversationItemInputAudioTranscriptionCompletedEvent,
  ConversationItemTruncatedEvent,
  InputAudioBufferDtmfEventReceivedEvent,
  RealtimeErrorEvent,
  RealtimeServerEvent,
  ResponseAudioTranscriptDoneEvent,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  ResponseOutputItemDoneEvent,
} from 'openai/resources/realtime/realtime';
import { z } from 'zod';

export type ServerEventCheck = { ok: true; event: RealtimeServerEvent } | { ok: false; eventType: string; problem: string };

/** Every server event type the SDK knows: the metric's label values (anything else is `unknown`). */
export const serverEventTypes: ReadonlySet<string> = new Set(
  exhaustive<RealtimeServerEvent['type']>()([
    'conversation.created',
    'conversation.item.created',
    'conversation.item.deleted',
    'conversation.item.input_audio_transcription.completed',
    'conversation.item.input_audio_transcription.delta',
    'conversation.item.input_audio_transcription.failed',
    'conversation.item.retrieved',
    'conversation.item.truncated',
    'error',
    'input_audio_buffer.cleared',
    'input_audio_buffer.committed',
    'input_audio_buffer.dtmf_event_received',
    'input_audio_buffer.speech_started',
    'input_audio_buffer.speech_stopped',
    'rate_limits.updated',
    'response.output_audio.delta',
    'response.output_audio.done',
    'response.output_audio_transcript.delta',
    'response.output_audio_transcript.done',
    'response.content_part.added',
    'response.content_part.done',
    'response.created',
    'response.done',
    'response.function_call_arguments.delta',
    'response.function_call_arguments.done',
    'response.output_item.added',
    'response.output_item.done',
    'response.output_text.delta',
    'response.output_text.done',
    'session.created',
    'session.updated',
    'output_audio_buffer.started',
    'output_audio_buffer.stopped',
    'output_audio_buffer.cleared',
    'conversation.item.added',
    'conversation.item.done',
    'input_audio_buffer.timeout_triggered',
    'conversation.item.input_audio_transcription.segment',
    'mcp_list_tools.in_progress',
    'mcp_list_tools.completed',
    'mcp_list_tools.failed',
    'response.mcp_call_arguments.delta',
    'response.mcp_call_arguments.done',
    'response.mcp_call.in_progress',
    'response.mcp_call.completed',
    'response.mcp_call.failed',
  ]),
);

/** A list of string literals that must name every member of U (a new SDK event type fails the type check). */
function exhaustive<U extends string>() {
  return <const V extends readonly U[]>(
    values: V & ([Exclude<U, V[number]>] extends [never] ? unknown : { missing: Exclude<U, V[number]> }),
  ): readonly string[] => values;
}

const text = z.string();
const optionalText = z.string().nullish();

// Each schema names only what the session, the response gate and the extensions read.
const schemas = {
  'conversation.item.input_audio_transcription.completed': z.object({ item_id: text, transcript: text }),
  'response.output_audio_transcript.done': z.object({ item_id: text, response_id: text, transcript: text }),
  'conversation.item.truncated': z.object({ item_id: text }),
  'response.output_item.done': z.object({
    item: z.object({ type: text, id: optionalText, call_id: optionalText, name: optionalText, arguments: optionalText }),
  }),
  'response.created': z.object({
    response: z.object({ id: optionalText, metadata: z.record(z.string(), z.string()).nullish() }),
  }),
  'response.done': z.object({
    response: z.object({
      id: optionalText,
      status: optionalText,
      output: z.array(z.object({ type: text, id: optionalText })).nullish(),
      usage: z
        .object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
        .nullish(),
    }),
  }),
  'output_audio_buffer.started': z.object({ response_id: optionalText }),
  'output_audio_buffer.stopped': z.object({ response_id: optionalText }),
  'output_audio_buffer.cleared': z.object({ response_id: optionalText }),
  error: z.object({
    error: z.object({ message: optionalText, type: optionalText, code: optionalText, event_id: optionalText }),
  }),
  'input_audio_buffer.dtmf_event_received': z.object({ event: text }),
} satisfies Partial<Record<RealtimeServerEvent['type'], z.ZodType>>;

/**
 * The types the session and the response gate act on (each has its schema): with the types the
 * extensions declare, the frames a transport must parse; it may drop any other unparsed.
 */
export const checkedEventTypes: readonly RealtimeServerEvent['type'][] = Object.keys(schemas) as Array<keyof typeof schemas>;

// Every event the SDK types allow passes its schema: the check refuses only what breaks the
// SDK's own contract (compile-time: a schema stricter than the SDK fails the type check here).
type Passes<K extends keyof typeof schemas, Sdk> = Sdk extends z.input<(typeof schemas)[K]> ? true : never;
type OutputAudioBufferEvent =
  | RealtimeServerEvent.OutputAudioBufferStarted
  | RealtimeServerEvent.OutputAudioBufferStopped
  | RealtimeServerEvent.OutputAudioBufferCleared;
const sdkEventsPass: [
  Passes<'conversation.item.input_audio_transcription.completed', ConversationItemInputAudioTranscriptionCompletedEvent>,
  Passes<'response.output_audio_transcript.done', ResponseAudioTranscriptDoneEvent>,
  Passes<'conversation.item.truncated', ConversationItemTruncatedEvent>,
  Passes<'response.output_item.done', ResponseOutputItemDoneEvent>,
  Passes<'response.created', ResponseCreatedEvent>,
  Passes<'response.done', ResponseDoneEvent>,
  Passes<'output_audio_buffer.stopped', OutputAudioBufferEvent>,
  Passes<'error', RealtimeErrorEvent>,
  Passes<'input_audio_buffer.dtmf_event_received', InputAudioBufferDtmfEventReceivedEvent>,
] = [true, true, true, true, true, true, true, true, true];
void sdkEventsPass;

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Parses nothing: `raw` is what the SDK parsed from JSON. Returns the event, or why it was refused. */
export function checkServerEvent(raw: unknown): ServerEventCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, eventType: 'unparsable', problem: 'not a JSON object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, eventType: 'unknown', problem: 'type: expected a string' };
  const schema = (schemas as Record<string, z.ZodType>)[type];
  if (!schema) return { ok: true, event: raw as RealtimeServerEvent };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, eventType: type, problem: describeIssue(parsed.error.issues[0]) };
  // The checked fields hold what the handlers read; the rest is the SDK's shape as sent.
  return { ok: true, event: raw as RealtimeServerEvent };
}

/** A metric label for an event type: the SDK's names, `unparsable`, or `unknown`. */
export function eventTypeLabel(eventType: string): string {
  return serverEventTypes.has(eventType) || eventType === 'unparsable' ? eventType : 'unknown';
}
