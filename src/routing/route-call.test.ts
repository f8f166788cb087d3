import { describe, expect, it } from 'vitest';
import { planAndReserve } from '../../test/support/plan-and-reserve.ts';
import { BusinessHours, type OpenRange, parseRange } from '../hours/business-hours.ts';
import type { CallParties } from '../sip/index.ts';
import { CallCounter } from './call-counter.ts';
import type { AgentPlan, PlanCall } from './call-plan.ts';
import { NumberList } from './number-list.ts';
import { createPlanCall, type PlannableProfile, type PlanSnapshot } from './plan-call.ts';
import { type Route, type RoutingTable, routeCall, type ScreeningRules } from './route-call.ts';

const parties = (caller: string | null, dialed: string | null): CallParties => ({ caller, dialed, sipCallId: null, contact: null });
const openScreening: ScreeningRules = {
  block: null,
  blockStatus: 603,
  allow: null,
  notAllowedStatus: 403,
  rejectAnonymous: false,
  anonymousStatus: 433,
};
const nine2five = parseRange('09:00-17:00') as OpenRange;
const office = new BusinessHours({
  timeZone: 'America/Chicago',
  weekly: [[nine2five], [nine2five], [nine2five], [nine2five], [nine2five], [], []],
  closures: [{ from: '2026-07-03', to: '2026-07-03', reason: 'Independence Day' }],
});

const route = (over: Partial<Route> & Pick<Route, 'name' | 'profile'>): Route => ({
  dialed: null,
  callers: null,
  hours: null,
  afterHours: { kind: 'reject', statusCode: 480 },
  ...over,
});

const table = (over: Partial<RoutingTable> = {}): RoutingTable => ({
  screening: openScreening,
  routes: [
    route({
      name: 'routes[0]',
      profile: 'sales-nc',
      dialed: new NumberList(['+18005550100']),
      callers: new NumberList(['+1919', '+1984'], true),
    }),
    route({ name: 'routes[1]', profile: 'sales', dialed: new NumberList(['+18005550100']) }),
    route({
      name: 'routes[2]',
      profile: 'support',
      dialed: new NumberList(['+18005550200']),
      hours: office,
      afterHours: { kind: 'profile', profile: 'after-hours' },
    }),
    route({ name: 'routes[3]', profile: 'billing', dialed: new NumberList(['+18005550300']), hours: office }),
  ],
  fallback: route({ name: 'default', profile: 'reception' }),
  noRouteStatus: 404,
  ...over,
});

const tuesdayNoonChicago = Date.parse('2026-03-10T17:00:00Z'); // 12:00 CDT
const tuesdayNightChicago = Date.parse('2026-03-11T03:00:00Z'); // 22:00 CDT
const july3Chicago = Date.parse('2026-07-03T16:00:00Z'); // Friday 11:00 CDT, closed

describe('routeCall', () => {
  it('routes by dialed number, caller prefix first, then the default', () => {
    expect(routeCall(table(), parties('+19195551234', '+18005550100'), tuesdayNoonChicago)).toMatchObject({
      profile: 'sales-nc',
      route: 'routes[0]',
    });
    expect(routeCall(table(), parties('+12125551234', '+18005550100'), tuesdayNoonChicago)).toMatchObject({
      profile: 'sales',
      route: 'routes[1]',
    });
    expect(routeCall(table(), parties('+12125551234', '18005550100'), tuesdayNoonChicago)).toMatchObject({ profile: 'sales' }); // no '+' in the To header
    expect(routeCall(table(), parties('+12125551234', '+18005559999'), tuesdayNoonChicago)).toMatchObject({
      profile: 'reception',
      route: 'default',
    });
  });

  it('rejects with the no-route status when there is no default', () => {
    expect(routeCall(table({ fallback: null }), parties('+12125551234', '+18005559999'), tuesdayNoonChicago)).toEqual({
      kind: 'reject',
      statusCode: 404,
      reason: 'no_route',
    });
  });

  it('blocks callers on the block list with its status, by number and prefix', () => {
    const t = table({ screening: { ...openScreening, block: new NumberList(['+12125550666', '+1900*']) } });
    expect(routeCall(t, parties('+12125550666', '+18005550100'), tuesdayNoonChicago)).toEqual({
      kind: 'reject',
      statusCode: 603,
      reason: 'blocked_caller',
    });
    expect(routeCall(t, parties('+19005551234', '+18005550100'), tuesdayNoonChicago)).toMatchObject({
      kind: 'reject',
      reason: 'blocked_caller',
    });
    expect(routeCall(t, parties('+12125550667', '+18005550100'), tuesdayNoonChicago)).toMatchObject({ kind: 'profile' });
  });

  it('lets only allow-listed callers through when an allow list is set', () => {
    const t = table({ screening: { ...openScreening, allow: new NumberList(['+1919*']), notAllowedStatus: 403 } });
    expect(routeCall(t, parties('+19195551234', '+18005550100'), tuesdayNoonChicago)).toMatchObject({ kind: 'profile' });
    expect(routeCall(t, parties('+12125551234', '+18005550100'), tuesdayNoonChicago)).toEqual({
      kind: 'reject',
      statusCode: 403,
      reason: 'caller_not_allowed',
    });
    expect(routeCall(t, parties(null, '+18005550100'), tuesdayNoonChicago)).toMatchObject({ reason: 'caller_not_allowed' });
  });

  it('rejects anonymous callers only when configured to', () => {
    expect(routeCall(table(), parties(null, '+18005550100'), tuesdayNoonChicago)).toMatchObject({ kind: 'profile', profile: 'sales' });
    const t = table({ screening: { ...openScreening, rejectAnonymous: true } });
    expect(routeCall(t, parties(null, '+18005550100'), tuesdayNoonChicago)).toEqual({
      kind: 'reject',
      statusCode: 433,
      reason: 'anonymous_caller',
    });
  });

  it('sends calls outside hours to the after-hours profile, or rejects with the configured status', () => {
    expect(routeCall(table(), parties('+12125551234', '+18005550200'), tuesdayNoonChicago)).toMatchObject({
      profile: 'support',
      afterHours: false,
    });
    expect(routeCall(table(), parties('+12125551234', '+18005550200'), tuesdayNightChicago)).toMatchObject({
      profile: 'after-hours',
      afterHours: true,
    });
    expect(routeCall(table(), parties('+12125551234', '+18005550200'), july3Chicago)).toMatchObject({
      profile: 'after-hours',
      afterHours: true,
    });
    expect(routeCall(table(), parties('+12125551234', '+18005550300'), tuesdayNightChicago)).toEqual({
      kind: 'reject',
      statusCode: 480,
      reason: 'after_hours',
      route: 'routes[3]',
    });
  });
});

describe('createPlanCall: concurrency caps', () => {
  const plan = (name: string): AgentPlan => ({
    profile: name,
    greeting: 'hi',
    tools: new Map(),
    transfers: {} as AgentPlan['transfers'],
    acceptParams: { type: 'realtime' },
  });
  const profile = (name: string, max: number | null): PlannableProfile => ({
    name,
    surface: 'realtime',
    maxConcurrentCalls: max,
    buildPlan: () => plan(name),
  });
  const take = (planCall: PlanCall, parties: CallParties, callId: string) =>
    planAndReserve(planCall, { surface: 'realtime', callId, sipHeaders: [], parties });

  function setup(overall: number | null, salesMax: number | null) {
    const snapshot: PlanSnapshot = {
      routing: table(),
      profiles: new Map([profile('sales', salesMax), profile('reception', null)].map((p) => [p.name, p])),
      maxConcurrentCalls: overall,
    };
    const counter = new CallCounter();
    return { counter, planCall: createPlanCall({ snapshot: () => snapshot, counter, now: () => tuesdayNoonChicago }) };
  }
  const toSales = parties('+12125551234', '+18005550100');
  const toReception = parties('+12125551234', '+18005559999');

  it('rejects with 486 beyond the per-profile cap, and takes calls again when one ends', () => {
    const { counter, planCall } = setup(null, 2);
    expect(take(planCall, toSales, 'rtc_1').kind).toBe('accept');
    expect(take(planCall, toSales, 'rtc_2').kind).toBe('accept');
    expect(take(planCall, toSales, 'rtc_3')).toEqual({ kind: 'reject', statusCode: 486, reason: 'profile_limit:sales' });
    expect(take(planCall, toReception, 'rtc_4').kind).toBe('accept'); // other profiles are not capped
    counter.onEvent({ type: 'call.ended', callId: 'rtc_1', reason: 'caller_hangup', endedAt: 0 });
    expect(take(planCall, toSales, 'rtc_5').kind).toBe('accept');
  });

  it('rejects with 486 beyond the overall cap; a failed or missed accept frees its slot', () => {
    const { counter, planCall } = setup(2, null);
    expect(take(planCall, toSales, 'rtc_1').kind).toBe('accept');
    expect(take(planCall, toReception, 'rtc_2').kind).toBe('accept');
    expect(take(planCall, toReception, 'rtc_3')).toEqual({ kind: 'reject', statusCode: 486, reason: 'overall_limit' });
    counter.onEvent({ type: 'call.missed', callId: 'rtc_2', parties: toReception, sipHeaders: [] });
    expect(take(planCall, toReception, 'rtc_4').kind).toBe('accept');
    counter.onEvent({ type: 'call.failed', callId: 'rtc_4', parties: toReception, sipHeaders: [], message: 'x' });
    expect(counter.total).toBe(1);
  });

  it('does not take a slot for a rejected call', () => {
    const { counter, planCall } = setup(1, null);
    const blocked = createPlanCall({
      snapshot: () => ({ routing: table({ fallback: null }), profiles: new Map(), maxConcurrentCalls: 1 }),
      counter,
    });
    expect(take(blocked, parties('+1', '+18005559999'), 'rtc_9').kind).toBe('reject');
    expect(take(planCall, toSales, 'rtc_1').kind).toBe('accept');
  });

  it('planning takes no slot: only the delivery that goes on (after the claim) reserves one', () => {
    const { counter, planCall } = setup(1, null);
    // Two deliveries of the same call plan it; the one that lost the claim never reserves.
    expect(planCall({ surface: 'realtime', callId: 'rtc_1', sipHeaders: [], parties: toSales }).kind).toBe('accept');
    expect(counter.total).toBe(0);
    expect(take(planCall, toSales, 'rtc_1').kind).toBe('accept');
    expect(counter.total).toBe(1);
    // A reload that moved the agent to GPT-Live: the Realtime webhook is left alone, with no slot taken.
    let built = 0;
    const onLive: PlanSnapshot = {
      routing: table(),
      profiles: new Map(
        [{ ...profile('sales', null), surface: 'live' as const, buildPlan: () => (built++, plan('sales')) }].map((p) => [p.name, p]),
      ),
      maxConcurrentCalls: 1,
    };
    const moved = createPlanCall({ snapshot: () => onLive, counter, now: () => tuesdayNoonChicago });
    expect(moved({ surface: 'realtime', callId: 'rtc_2', sipHeaders: [], parties: toSales })).toEqual({
      kind: 'other_surface',
      surface: 'live',
      profile: 'sales',
    });
    expect(built).toBe(0); // a webhook the call's agent does not use builds no plan
    expect(counter.total).toBe(1);
  });
});
