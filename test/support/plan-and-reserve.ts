import type { CallPlan, PlanCall, PlanRequest } from '../../src/routing/call-plan.ts';

/** What the answer path does with a call it goes on with: plans it, then takes its slot (a full cap rejects it). */
export function planAndReserve(planCall: PlanCall, call: PlanRequest): CallPlan {
  const plan = planCall(call);
  if (plan.kind !== 'accept') return plan;
  const slot = plan.reserve();
  return slot.ok ? plan : { kind: 'reject', statusCode: slot.statusCode, reason: slot.reason };
}
