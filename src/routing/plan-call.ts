// The PlanCall the server runs before every accept, over whatever config is current.

import type { Surface } from '../openai/surface.ts';
import { type CallParties, parseCallParties, type SipHeader } from '../sip/index.ts';
import type { CallCounter } from './call-counter.ts';
import type { AgentPlan, CallPlan, PlanCall, PlanRequest, SlotVerdict } from './call-plan.ts';
import { type RouteDecision, type RoutingTable, routeCall } from './route-call.ts';

export interface PlanInput {
  callId: string;
  parties: CallParties;
  sipHeaders: readonly SipHeader[];
  /** Epoch ms. */
  at: number;
}

export interface PlannableProfile {
  name: string;
  /** The API its calls are accepted on; the other surface's webhook for a call is left alone. */
  surface: Surface;
  /** The models its calls use (the agent's, and on Live the delegated one): for lifecycle warnings. */
  models?: readonly string[];
  maxConcurrentCalls: number | null;
  /** Renders this call's instructions, greeting and tools: string work only. */
  buildPlan(input: PlanInput): AgentPlan;
}

export interface PlanSnapshot {
  routing: RoutingTable;
  profiles: ReadonlyMap<string, PlannableProfile>;
  maxConcurrentCalls: number | null;
}

export interface PlanCallDeps {
  /** The config in force now; a reload swaps what this returns. */
  snapshot: () => PlanSnapshot;
  counter: CallCounter;
  /** Epoch ms (wall clock: opening hours depend on it). */
  now?: () => number;
}

export const busyStatus = 486;

/** What the profile file says about a call, before the concurrency caps: the live path and the routing preview both run this. */
export type CallDecision =
  | { kind: 'reject'; statusCode: number; reason: string; route: RouteDecision }
  | { kind: 'accept'; route: Extract<RouteDecision, { kind: 'profile' }>; profile: PlannableProfile; agent: AgentPlan };

/** The routing's answer: the profile that takes the call, or the refusal. No plan is built yet. */
function routeToProfile(
  snapshot: PlanSnapshot,
  input: PlanInput,
):
  | Extract<CallDecision, { kind: 'reject' }>
  | { kind: 'routed'; route: Extract<RouteDecision, { kind: 'profile' }>; profile: PlannableProfile } {
  const route = routeCall(snapshot.routing, input.parties, input.at);
  if (route.kind === 'reject') return { kind: 'reject', statusCode: route.statusCode, reason: route.reason, route };
  const profile = snapshot.profiles.get(route.profile);
  if (!profile) return { kind: 'reject', statusCode: 500, reason: `unknown_profile:${route.profile}`, route };
  return { kind: 'routed', route, profile };
}

export function decideCall(snapshot: PlanSnapshot, input: PlanInput): CallDecision {
  const routed = routeToProfile(snapshot, input);
  if (routed.kind === 'reject') return routed;
  return { kind: 'accept', route: routed.route, profile: routed.profile, agent: routed.profile.buildPlan(input) };
}

export function createPlanCall(deps: PlanCallDeps): PlanCall {
  const now = deps.now ?? Date.now;
  return ({ callId, surface, parties, sipHeaders }: PlanRequest): CallPlan => {
    const snapshot = deps.snapshot();
    const input = { callId, parties, sipHeaders, at: now() };
    const routed = routeToProfile(snapshot, input);
    if (routed.kind === 'reject') return { kind: 'reject', statusCode: routed.statusCode, reason: routed.reason };
    const { profile } = routed;
    // The webhook of the agent's own surface answers the call; the other one leaves it alone, before any plan is built.
    if (surface !== profile.surface) return { kind: 'other_surface', surface: profile.surface, profile: profile.name };
    const agent = profile.buildPlan(input);
    const reserve = (): SlotVerdict => {
      // The caps of the config this call was planned with, even if a reload came in between.
      const slot = deps.counter.reserve(callId, profile.name, {
        overall: snapshot.maxConcurrentCalls,
        profile: profile.maxConcurrentCalls,
      });
      if (slot.ok) return { ok: true };
      return { ok: false, statusCode: busyStatus, reason: slot.limit === 'overall' ? 'overall_limit' : `profile_limit:${profile.name}` };
    };
    return { kind: 'accept', agent, reserve };
  };
}

/**
 * The plan of a call taken back after a restart: the agent it was accepted with, by name (no
 * routing again), rebuilt from what its record holds. The call counts toward the caps, but a
 * cap never refuses it: it is live already. null when no agent has that name any more.
 */
export type RestorePlan = (call: { callId: string; profile: string; sipHeaders: readonly SipHeader[] }) => AgentPlan | null;

export function createRestorePlan(deps: PlanCallDeps): RestorePlan {
  const now = deps.now ?? Date.now;
  return ({ callId, profile, sipHeaders }) => {
    const found = deps.snapshot().profiles.get(profile);
    if (!found) return null;
    deps.counter.reserve(callId, found.name, { overall: null, profile: null });
    return found.buildPlan({ callId, parties: parseCallParties(sipHeaders), sipHeaders, at: now() });
  };
}
