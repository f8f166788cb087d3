// What the server would do with a call, without a call: the same header parsing, the
// same decision (screening, route, hours, agent) and the same accept body as the live
// path, so the preview cannot drift from it. Nothing is reserved or sent.
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import { describeNextOpening } from '../hours/business-hours.ts';
import type { Surface } from '../openai/surface.ts';
import type { CallCounter } from '../routing/call-counter.ts';
import { type AgentPlan, agentSurface } from '../routing/call-plan.ts';
import { decideCall, type PlanSnapshot } from '../routing/plan-call.ts';
import type { Route } from '../routing/route-call.ts';
import { parseCallParties, type SipHeader } from '../sip/index.ts';
import { LocalClock } from '../time/local-clock.ts';

export interface PreviewInput {
  /** The caller, E.164; null: an anonymous caller. */
  from: string | null;
  /** The number dialed, E.164. */
  to: string;
  /** Epoch ms. */
  at: number;
  /** More INVITE headers (X-Account-Id, Diversion, Contact…); they replace the generated ones of the same name. */
  headers?: readonly SipHeader[];
}

export interface PreviewSource {
  /** The agents in force: the profile file's, or the environment's one (compiled the same way). */
  snapshot: PlanSnapshot;
  /** The zone times are shown in (the file's business.timeZone). */
  timeZone: string;
  /** Live calls now, when asked of a running server. */
  counter?: CallCounter;
}

const screeningReasons = new Set(['anonymous_caller', 'blocked_caller', 'caller_not_allowed']);

export interface PlanPreview {
  call: { from: string | null; to: string; at: string; localTime: string; timeZone: string; sipHeaders: SipHeader[] };
  /** What the headers parse to, as the live path sees them. */
  parsed: { caller: string | null; dialed: string | null };
  screening: { verdict: 'passed' | 'rejected'; reason: string | null };
  route: { name: string | null; afterHours: boolean };
  hours: {
    schedule: string | null;
    open: boolean | null;
    closure: string | null;
    nextOpening: string | null;
    afterHours: string | null;
  } | null;
  agent: string | null;
  decision: { kind: 'accept' | 'reject'; statusCode: number | null; reason: string | null };
  caps: { overall: number | null; agent: number | null; liveOverall: number | null; liveAgent: number | null; wouldBeBusy: boolean } | null;
  greeting: string | null;
  tools: { name: string; description: string }[];
  /** The API the agent is accepted on (its webhook answers the call); null when refused. */
  surface: Surface | null;
  /** Realtime: exactly what POST /v1/realtime/calls/{call_id}/accept would carry. */
  acceptBody: CallAcceptParams | null;
  /** GPT-Live: exactly what POST /v1/live/sessions/{session_id}/accept would carry. */
  liveAcceptBody: SessionAcceptParams | null;
}

/** The INVITE headers of the preview call: From, To and Call-ID as Bandwidth sends them, then the extra ones. */
export function previewHeaders(input: PreviewInput): SipHeader[] {
  const generated: SipHeader[] = [
    {
      name: 'From',
      value: input.from ? `<sip:${input.from}@192.0.2.10:5060>;tag=preview` : '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=preview',
    },
    { name: 'To', value: `<sip:${input.to}@sip.api.openai.com>` },
    { name: 'Call-ID', value: 'preview@192.0.2.10' },
  ];
  const extra = input.headers ?? [];
  const replaced = new Set(extra.map((h) => h.name.toLowerCase()));
  return [...generated.filter((h) => !replaced.has(h.name.toLowerCase())), ...extra];
}

function describeAfterHours(route: Route): string {
  return route.afterHours.kind === 'profile' ? `agent ${route.afterHours.profile}` : `reject ${route.afterHours.statusCode}`;
}

function toolsOf(agent: AgentPlan): { name: string; description: string }[] {
  return (agent.acceptParams.tools ?? []).map((t) => ({
    name: ('name' in t && t.name ? t.name : t.type) ?? 'tool',
    description: 'description' in t && t.description ? t.description : '',
  }));
}

export function previewCall(input: PreviewInput, source: PreviewSource): PlanPreview {
  const sipHeaders = previewHeaders(input);
  const parties = parseCallParties(sipHeaders);
  const clock = new LocalClock(source.timeZone);
  const local = clock.at(input.at);
  const call = {
    from: input.from,
    to: input.to,
    at: new Date(input.at).toISOString(),
    localTime: `${clock.weekday(input.at)} ${local.date} ${String(Math.floor(local.minute / 60)).padStart(2, '0')}:${String(local.minute % 60).padStart(2, '0')}`,
    timeZone: source.timeZone,
    sipHeaders,
  };
  const base = { call, parsed: { caller: parties.caller, dialed: parties.dialed } };
  const accepted = (agent: AgentPlan) => ({
    greeting: agent.greeting,
    tools: toolsOf(agent),
    surface: agentSurface(agent),
    acceptBody: agent.live ? null : agent.acceptParams,
    liveAcceptBody: agent.live?.acceptParams ?? null,
  });

  const snapshot = source.snapshot;
  const decision = decideCall(snapshot, { callId: 'rtc_preview', parties, sipHeaders, at: input.at });
  const routeName = decision.route.kind === 'profile' ? decision.route.route : (decision.route.route ?? null);
  const route =
    [...snapshot.routing.routes, ...(snapshot.routing.fallback ? [snapshot.routing.fallback] : [])].find((r) => r.name === routeName) ??
    null;
  const status = route?.hours?.status(input.at) ?? null;
  const hours = route
    ? {
        schedule: route.schedule ?? null,
        open: status ? status.open : null,
        closure: status && !status.open ? (status.closure ?? null) : null,
        nextOpening: status && !status.open ? describeNextOpening(status.next) : null,
        afterHours: route.hours ? describeAfterHours(route) : null,
      }
    : null;
  const screening =
    decision.kind === 'reject' && screeningReasons.has(decision.reason)
      ? { verdict: 'rejected' as const, reason: decision.reason }
      : { verdict: 'passed' as const, reason: null };
  const routeInfo = { name: routeName, afterHours: decision.route.kind === 'profile' && decision.route.afterHours };

  if (decision.kind === 'reject') {
    return {
      ...base,
      screening,
      route: routeInfo,
      hours,
      agent: null,
      decision: { kind: 'reject', statusCode: decision.statusCode, reason: decision.reason },
      caps: null,
      greeting: null,
      tools: [],
      surface: null,
      acceptBody: null,
      liveAcceptBody: null,
    };
  }
  const { profile, agent } = decision;
  const liveOverall = source.counter ? source.counter.total : null;
  const liveAgent = source.counter ? source.counter.count(profile.name) : null;
  const busy =
    (snapshot.maxConcurrentCalls !== null && liveOverall !== null && liveOverall >= snapshot.maxConcurrentCalls) ||
    (profile.maxConcurrentCalls !== null && liveAgent !== null && liveAgent >= profile.maxConcurrentCalls);
  return {
    ...base,
    screening,
    route: routeInfo,
    hours,
    agent: profile.name,
    decision: busy
      ? { kind: 'reject', statusCode: 486, reason: 'busy now (concurrency cap)' }
      : { kind: 'accept', statusCode: null, reason: null },
    caps: { overall: snapshot.maxConcurrentCalls, agent: profile.maxConcurrentCalls, liveOverall, liveAgent, wouldBeBusy: busy },
    ...accepted(agent),
  };
}
