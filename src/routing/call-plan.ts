import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { IncomingCall } from '../inbound/incoming-call.ts';
import type { Surface } from '../openai/surface.ts';
import type { SessionExtensionFactory } from '../session/session-extension.ts';
import type { CallParties } from '../sip/index.ts';
import type { Tool } from '../tools/tool.ts';
import type { Transfers } from '../transfers/transfer.ts';

/** An agent on GPT-Live: what its accept sends, and whether the call is recorded. */
export interface LiveAgentPlan {
  acceptParams: SessionAcceptParams;
  recording: boolean;
}

/** Everything needed to run one agent on a call, prepared before calls arrive. */
export interface AgentPlan {
  profile: string;
  /** The Realtime accept body (used when the agent is on Realtime). */
  acceptParams: CallAcceptParams;
  /** Set when the agent runs on GPT-Live: the call is accepted on its live_… session instead. */
  live?: LiveAgentPlan;
  greeting: string;
  tools: ReadonlyMap<string, Tool>;
  /** Every transfer of the call goes through these: the agent's tool, the keypad and the operator API. */
  transfers: Transfers;
  /** Session behaviour on top of the conversation: keypad input, idle handling, a duration cap. */
  extensions?: readonly SessionExtensionFactory[];
}

export const agentSurface = (agent: AgentPlan): Surface => (agent.live ? 'live' : 'realtime');

/** A concurrency slot for the call, or the refusal the caps give. */
export type SlotVerdict = { ok: true } | { ok: false; statusCode: number; reason: string };

export type CallPlan =
  /** reserve(): once this delivery has the call (after the claim), it takes the call's slot under the caps. */
  | { kind: 'accept'; agent: AgentPlan; reserve: () => SlotVerdict }
  | { kind: 'reject'; statusCode: number; reason: string }
  /** The call's agent runs on the other surface: this webhook is answered without an accept. */
  | { kind: 'other_surface'; surface: Surface; profile: string };

/** An incoming call as the plan sees it: the webhook's call, and who calls whom. */
export interface PlanRequest extends IncomingCall {
  parties: CallParties;
}

/**
 * Decides, from memory only, what to do with an incoming call: once per webhook, before the
 * claim (a webhook of the other surface must not claim the call). Reserves nothing.
 */
export type PlanCall = (call: PlanRequest) => CallPlan;
