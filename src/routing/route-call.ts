// Which profile takes a call, or which SIP status refuses it: screening first,
// then the first matching route, then its opening hours. Pure and in memory.

import type { BusinessHours } from '../hours/business-hours.ts';
import type { CallParties } from '../sip/index.ts';
import type { NumberList } from './number-list.ts';

export interface ScreeningRules {
  block: NumberList | null;
  blockStatus: number;
  /** When set, only these callers get through. */
  allow: NumberList | null;
  notAllowedStatus: number;
  rejectAnonymous: boolean;
  anonymousStatus: number;
}

export type AfterHours = { kind: 'profile'; profile: string } | { kind: 'reject'; statusCode: number };

export interface Route {
  /** Where it is in the file, for logs: `routing.routes[2]` or `routing.default`. */
  name: string;
  /** null: any dialed number. */
  dialed: NumberList | null;
  /** null: any caller. */
  callers: NumberList | null;
  profile: string;
  hours: BusinessHours | null;
  /** The schedule's name in the file (for the routing preview). */
  schedule?: string | null;
  afterHours: AfterHours;
}

export interface RoutingTable {
  screening: ScreeningRules;
  routes: readonly Route[];
  fallback: Route | null;
  noRouteStatus: number;
}

export type RouteDecision =
  | { kind: 'profile'; profile: string; route: string; afterHours: boolean }
  | { kind: 'reject'; statusCode: number; reason: string; route?: string };

export function routeCall(table: RoutingTable, parties: CallParties, at: number): RouteDecision {
  const { screening } = table;
  if (parties.caller === null && screening.rejectAnonymous)
    return { kind: 'reject', statusCode: screening.anonymousStatus, reason: 'anonymous_caller' };
  if (screening.block?.matches(parties.caller)) return { kind: 'reject', statusCode: screening.blockStatus, reason: 'blocked_caller' };
  if (screening.allow && !screening.allow.matches(parties.caller))
    return { kind: 'reject', statusCode: screening.notAllowedStatus, reason: 'caller_not_allowed' };

  const route =
    table.routes.find(
      (r) => (r.dialed === null || r.dialed.matches(parties.dialed)) && (r.callers === null || r.callers.matches(parties.caller)),
    ) ?? table.fallback;
  if (!route) return { kind: 'reject', statusCode: table.noRouteStatus, reason: 'no_route' };
  if (route.hours === null || route.hours.isOpen(at))
    return { kind: 'profile', profile: route.profile, route: route.name, afterHours: false };
  if (route.afterHours.kind === 'reject')
    return { kind: 'reject', statusCode: route.afterHours.statusCode, reason: 'after_hours', route: route.name };
  return { kind: 'profile', profile: route.afterHours.profile, route: route.name, afterHours: true };
}
