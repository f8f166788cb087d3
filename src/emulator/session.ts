// The session a call runs with: OpenAI's defaults, the accept body over them, session.update over that.
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeAudioConfig, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import { isPlainObject } from './param-checks.ts';

const defaultInstructions =
  "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human.";

function defaults(): RealtimeSessionCreateRequest {
  return {
    type: 'realtime',
    model: 'gpt-realtime',
    output_modalities: ['audio'],
    instructions: defaultInstructions,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    audio: {
      // SIP calls run G.711 μ-law as negotiated by SDP with the carrier.
      input: {
        format: { type: 'audio/pcmu' },
        turn_detection: {
          type: 'server_vad',
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
          idle_timeout_ms: null,
          create_response: true,
          interrupt_response: true,
        },
      },
      output: { format: { type: 'audio/pcmu' }, voice: 'alloy', speed: 1 },
    },
  };
}

/** Objects merge key by key; arrays, null and scalars replace. */
function merge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // A new turn_detection replaces the old one whole: server_vad knobs don't carry into semantic_vad.
    out[key] = key === 'turn_detection' ? value : merge(base[key], value);
  }
  return out;
}

export function acceptedSession(params: CallAcceptParams): RealtimeSessionCreateRequest {
  return applySessionUpdate(defaults(), params);
}

export function applySessionUpdate(
  current: RealtimeSessionCreateRequest,
  update: CallAcceptParams | RealtimeSessionCreateRequest,
): RealtimeSessionCreateRequest {
  // Both sides are validated session configs of the same shape.
  return merge(current, update) as RealtimeSessionCreateRequest;
}

export function sessionVoice(session: RealtimeSessionCreateRequest | undefined): string {
  const voice = session?.audio?.output?.voice;
  return typeof voice === 'string' ? voice : voice ? voice.id : 'alloy';
}

export function transcriptionOn(session: RealtimeSessionCreateRequest | undefined): boolean {
  const input: RealtimeAudioConfig['input'] = session?.audio?.input;
  return Boolean(input?.transcription);
}

export function toolNames(session: RealtimeSessionCreateRequest | undefined): string[] {
  return (session?.tools ?? []).flatMap((t) => (t.type === 'mcp' ? [`mcp:${t.server_label}`] : t.name ? [t.name] : []));
}

/** One timeline line for an accepted session. */
export function describeSession(session: RealtimeSessionCreateRequest): string {
  return `model=${session.model ?? '?'} voice=${sessionVoice(session)} tools=[${toolNames(session).join(',')}] transcription=${transcriptionOn(session) ? 'on' : 'off'}`;
}
