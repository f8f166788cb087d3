import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';

// What a live SIP call's control socket carries (audio itself flows over RTP, not here):
// one conversational turn is 20 events; at 10 events/s a turn every 2 s, with one final
// caller transcript and one final agent transcript per turn.
const callerText = "Hi, I ordered a blender last week and it still hasn't arrived. Can you check where it is?";
const agentText = "I'm sorry to hear that. I can check on it for you. Could you give me the order number, please?";
const words = agentText.split(' ');
const agentDeltas = Array.from({ length: 8 }, (_, i) => {
  const per = Math.ceil(words.length / 8);
  return `${words.slice(i * per, (i + 1) * per).join(' ')} `;
});

const responseBase = {
  object: 'realtime.response' as const,
  id: 'resp_CbenchR3sp0ns3',
  conversation_id: 'conv_CbenchC0nv3rs4t10n',
  output_modalities: ['audio' as const],
  max_output_tokens: 'inf' as const,
  audio: { output: { format: { type: 'audio/pcmu' as const }, voice: 'marin' } },
};

export function turnEvents(): RealtimeServerEvent[] {
  const item = 'item_CbenchCall3rIt3m';
  const out = 'item_CbenchAg3ntIt3m';
  const rid = responseBase.id;
  let n = 0;
  const eid = () => `event_Cbench${String(++n).padStart(4, '0')}`;
  const assistantItem = {
    id: out,
    object: 'realtime.item' as const,
    type: 'message' as const,
    role: 'assistant' as const,
    status: 'completed' as const,
    content: [{ type: 'output_audio' as const, transcript: agentText }],
  };
  return [
    { type: 'input_audio_buffer.speech_started', event_id: eid(), item_id: item, audio_start_ms: 1180 },
    { type: 'input_audio_buffer.speech_stopped', event_id: eid(), item_id: item, audio_end_ms: 4820 },
    { type: 'input_audio_buffer.committed', event_id: eid(), item_id: item, previous_item_id: null },
    {
      type: 'conversation.item.input_audio_transcription.delta',
      event_id: eid(),
      item_id: item,
      content_index: 0,
      delta: 'Hi, I ordered a blender last week',
    },
    {
      type: 'conversation.item.input_audio_transcription.delta',
      event_id: eid(),
      item_id: item,
      content_index: 0,
      delta: " and it still hasn't arrived.",
    },
    {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: eid(),
      item_id: item,
      content_index: 0,
      transcript: callerText,
      usage: {
        type: 'tokens',
        input_tokens: 41,
        output_tokens: 22,
        total_tokens: 63,
        input_token_details: { audio_tokens: 41, text_tokens: 0 },
      },
    },
    { type: 'response.created', event_id: eid(), response: { ...responseBase, status: 'in_progress', output: [] } },
    {
      type: 'response.output_item.added',
      event_id: eid(),
      response_id: rid,
      output_index: 0,
      item: { ...assistantItem, status: 'in_progress', content: [] },
    },
    ...agentDeltas.map(
      (delta): RealtimeServerEvent => ({
        type: 'response.output_audio_transcript.delta',
        event_id: eid(),
        response_id: rid,
        item_id: out,
        output_index: 0,
        content_index: 0,
        delta,
      }),
    ),
    {
      type: 'response.output_audio_transcript.done',
      event_id: eid(),
      response_id: rid,
      item_id: out,
      output_index: 0,
      content_index: 0,
      transcript: agentText,
    },
    { type: 'response.output_item.done', event_id: eid(), response_id: rid, output_index: 0, item: assistantItem },
    {
      type: 'response.done',
      event_id: eid(),
      response: {
        ...responseBase,
        status: 'completed',
        output: [assistantItem],
        usage: {
          total_tokens: 412,
          input_tokens: 298,
          output_tokens: 114,
          input_token_details: {
            text_tokens: 219,
            audio_tokens: 79,
            cached_tokens: 192,
            cached_tokens_details: { text_tokens: 192, audio_tokens: 0 },
          },
          output_token_details: { text_tokens: 27, audio_tokens: 87 },
        },
      },
    },
    { type: 'output_audio_buffer.stopped', event_id: eid(), response_id: rid },
  ];
}

/** The model asking for a transfer: the event the server acts on. */
export function transferCallEvent(toolCallId: string): RealtimeServerEvent {
  return {
    type: 'response.output_item.done',
    event_id: `event_Cbench_${toolCallId}`,
    response_id: 'resp_CbenchTr4nsf3r',
    output_index: 0,
    item: {
      id: `item_${toolCallId}`,
      object: 'realtime.item',
      type: 'function_call',
      status: 'completed',
      name: 'transfer_call',
      call_id: toolCallId,
      arguments: '{"reason":"caller asked for a person"}',
    },
  };
}

/** The turn, serialized once: the stand-in sends these bytes as text frames. */
export function turnFrames(): Buffer[] {
  return turnEvents().map((e) => Buffer.from(JSON.stringify(e)));
}
