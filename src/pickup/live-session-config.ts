// The GPT-Live accept body: the voice model's instructions (with when to hand a turn to the
// backend), its voice, and Responses delegation carrying the agent's tools.
import type { FunctionTool } from 'openai/resources/live/live';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';

export interface LiveAgentSettings {
  model: string;
  /** The agent's instructions (the voice model's; the hand-over guidance is added here). */
  instructions: string;
  voice: string;
  /** The agent's tools, as the Realtime definitions the rest of the code uses. */
  tools: readonly RealtimeFunctionTool[];
  delegationModel: string;
  /** The backend's prompt; null derives one from the agent's instructions. */
  delegationInstructions: string | null;
  /** Accept with store: true, so the recording can be downloaded after the call. */
  store: boolean;
}

/**
 * The Live model, not us, decides when a turn goes to the backend, so its instructions say
 * when (as Bandwidth's sample does): anything that needs an action or information it lacks.
 */
export function handOverGuidance(tools: readonly RealtimeFunctionTool[]): string {
  const lines = tools.filter((t) => t.name).map((t) => `- ${t.name}: ${t.description ?? ''}`.trimEnd());
  return [
    'How this call works: you are the voice of the phone line and a backend assistant carries out actions.',
    'Hand the turn to the backend (delegate) whenever the caller asks for something that needs an action or information you do not have, such as transferring the call, ending it, or looking something up. Never pretend to have done it yourself, and never promise a result before the backend answers.',
    ...(lines.length > 0 ? ['What the backend can do:', ...lines] : []),
    'When the caller presses keys on the keypad, or the conversation is clearly over, delegate as well.',
  ].join('\n');
}

export function defaultDelegationInstructions(instructions: string): string {
  return [
    'You are the backend of a phone agent. The voice agent hands you tasks during a live phone call.',
    'Carry them out with your tools; call each tool once per task. Then answer in one or two short, plain sentences that the voice agent can say to the caller.',
    "The voice agent's own instructions, for context:",
    instructions,
  ].join('\n\n');
}

function liveTool(tool: RealtimeFunctionTool): FunctionTool {
  return {
    type: 'function',
    name: tool.name ?? '',
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    ...(tool.parameters !== undefined ? { parameters: tool.parameters as Record<string, unknown> } : {}),
  };
}

export function buildLiveAcceptParams(agent: LiveAgentSettings): SessionAcceptParams {
  return {
    session: {
      type: 'live',
      model: agent.model,
      instructions: `${agent.instructions}\n\n${handOverGuidance(agent.tools)}`,
      audio: { output: { voice: agent.voice } },
      delegation: {
        type: 'responses',
        responses: {
          model: agent.delegationModel,
          instructions: agent.delegationInstructions ?? defaultDelegationInstructions(agent.instructions),
          tools: agent.tools.map(liveTool),
          tool_choice: 'auto',
        },
      },
      ...(agent.store ? { store: true } : {}),
    },
  };
}
