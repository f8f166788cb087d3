import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';

export interface AgentSettings {
  model: string;
  instructions: string;
  voice: string;
  transcriptionModel: string;
  tools: readonly RealtimeFunctionTool[];
}

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
        transcription: { model: agent.transcriptionModel },
        turn_detection: { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true },
      },
      output: { voice: agent.voice },
    },
    tools: [...agent.tools],
    tool_choice: 'auto',
  };
}
