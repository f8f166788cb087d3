import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import type { SessionExtensionFactory } from '../session/session-extension.ts';
import type { CallParties } from '../sip/index.ts';
import type { Tool } from '../tools/tool.ts';

/** Everything needed to run one agent on a call, prepared before calls arrive. */
export interface AgentPlan {
  profile: string;
  acceptParams: CallAcceptParams;
  greeting: string;
  tools: ReadonlyMap<string, Tool>;
  /** Per-profile session behaviour (keypad, idle, duration cap); none for the environment's agent. */
  extensions?: readonly SessionExtensionFactory[];
}

export type CallPlan = { kind: 'accept'; agent: AgentPlan } | { kind: 'reject'; statusCode: number; reason: string };

/** Decides, from memory only, what to do with an incoming call. Runs before the accept. */
export type PlanCall = (parties: CallParties, event: RealtimeCallIncomingWebhookEvent) => CallPlan;

export function acceptEveryCall(agent: AgentPlan): PlanCall {
  const plan: CallPlan = { kind: 'accept', agent };
  return () => plan;
}
