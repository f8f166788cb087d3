import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeAudioInputTurnDetection, RealtimeFunctionTool } from 'openai/resources/realtime/realtime';

export interface AgentSettings {
  model: string;
  instructions: string;
  voice: string;
  transcriptionModel: string;
  tools: readonly RealtimeFunctionTool[];
  /** ISO-639-1, e.g. `en`; unset lets the model guess. */
  transcriptionLanguage?: string;
  /** Default: semantic VAD. Never with threshold, prefix_padding_ms or silence_duration_ms (SIP refuses them). */
  turnDetection?: RealtimeAudioInputTurnDetection;
}

const defaultTurnDetection: RealtimeAudioInputTurnDetection = {
  type: 'semantic_vad',
  eagerness: 'auto',
  create_response: true,
  interrupt_response: true,
};

/**
 * The accept body. SIP refuses turn_detection.threshold, prefix_padding_ms and
 * silence_duration_ms, and the codec comes from SDP, so neither is set here.
 */
export function buildAcceptParams(agent: AgentSettings): CallAcceptParams {
  return {
    type: 'realtime',
    model: agent.model,
    instructions: agent.instructions,
    audio: {
      input: {
        transcription: {
          model: agent.transcriptionModel,
          ...(agent.transcriptionLanguage ? { language: agent.transcriptionLanguage } : {}),
        },
        turn_detection: agent.turnDetection ?? defaultTurnDetection,
      },
      output: { voice: agent.voice },
    },
    tools: [...agent.tools],
    tool_choice: 'auto',
  };
}
