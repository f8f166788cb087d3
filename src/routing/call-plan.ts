import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import type { SessionExtensionFactory } from '../session/session-extension.ts';
import type { CallParties } from '../sip/index.ts';
import type { Tool } from '../tools/tool.ts';
import type { Transfers } from '../transfers/transfer.ts';

/** Everything needed to run one agent on a call, prepared before calls arrive. */
export interface AgentPlan {
  profile: string;
  acceptParams: CallAcceptParams;
  greeting: string;
  tools: ReadonlyMap<string, Tool>;
  /** Every transfer of the call goes through these: the agent's tool, the keypad and the operator API. */
  transfers: Transfers;
  /** Session behaviour on top of the conversation: keypad input, idle handling, a duration cap. */
  extensions?: readonly SessionExtensionFactory[];
}

export type CallPlan = { kind: 'accept'; agent: AgentPlan } | { kind: 'reject'; statusCode: number; reason: string };

/** Decides, from memory only, what to do with an incoming call. Runs before the accept. */
export type PlanCall = (parties: CallParties, event: RealtimeCallIncomingWebhookEvent) => CallPlan;
