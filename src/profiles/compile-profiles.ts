// The whole file, compiled into what the call planner reads: routing table,
// screening lists, schedules and agent profiles.

import type { AnalysisSpec } from '../analysis/analysis-spec.ts';
import { compileAnalysis } from '../analysis/compile-analysis.ts';
import { builtInPrices, type PriceTable, withOverrides } from '../cost/price-table.ts';
import { priceWarnings } from '../cost/price-warnings.ts';
import { BusinessHours, type OpenRange, parseRange, weekdayKeys } from '../hours/business-hours.ts';
import { NumberList } from '../routing/number-list.ts';
import type { PlannableProfile, PlanSnapshot } from '../routing/plan-call.ts';
import type { AfterHours, Route, RoutingTable } from '../routing/route-call.ts';
import { HostAllowList } from '../sip/host-allow-list.ts';
import { createSchemaCompiler } from '../tools/json-schema.ts';
import type { CarrierPolicy } from '../transfers/carrier-policy.ts';
import type { AgentDefaults } from './agent-defaults.ts';
import { compileAgent } from './compile-agent.ts';
import type { Problem } from './problem.ts';
import type { ProfilesFile } from './schema.ts';

export interface CompileDeps {
  defaults: AgentDefaults;
  /** Relative paths in the file (instructionsFile) resolve against this. */
  baseDir: string;
  readFile: (path: string) => string;
  /** Binary files (audio fillers); default: the file system. */
  readBinary?: (path: string) => Buffer;
  fetch?: typeof fetch;
  /** Epoch ms: opening hours and the date and time in templates. */
  clock?: () => number;
}

export interface CompiledProfiles extends PlanSnapshot {
  /** Post-call analysis by agent name (agents without `analysis` are absent). */
  analysis: ReadonlyMap<string, AnalysisSpec>;
  /** The built-in price table with the file's `prices` on top. */
  prices: PriceTable;
  /** business.timeZone: how the routing preview shows times. */
  timeZone: string;
  summary: { agents: number; routes: number; schedules: number; httpTools: number };
  /** Every model an agent uses. */
  models: string[];
}

const afterHoursRejectStatus = 480; // Temporarily Unavailable

export function compileProfiles(file: ProfilesFile, deps: CompileDeps, problems: Problem[]): CompiledProfiles {
  const clock = deps.clock ?? Date.now;
  const schedules = new Map<string, BusinessHours>();
  for (const [name, s] of Object.entries(file.schedules)) {
    schedules.set(
      name,
      new BusinessHours({
        timeZone: s.timeZone ?? file.business.timeZone,
        weekly: weekdayKeys.map((d) => (s.weekly[d] ?? []).map((r) => parseRange(r) as OpenRange)),
        closures: s.closed.map((c) => ('date' in c ? { from: c.date, to: c.date, ...(c.reason ? { reason: c.reason } : {}) } : c)),
      }),
    );
  }
  const allowedHosts = file.carrier.allowedHosts ?? deps.defaults.carrierAllowedHosts;
  const carrier: CarrierPolicy = {
    allowList: allowedHosts ? new HostAllowList(allowedHosts) : null,
    fallbackHost: file.carrier.fallbackHost ?? deps.defaults.referSipHost,
  };
  const compileSchema = createSchemaCompiler();
  const profiles = new Map<string, PlannableProfile>();
  const analysis = new Map<string, AnalysisSpec>();
  for (const [name, spec] of Object.entries(file.agents)) {
    if (spec.analysis) {
      const compiled = compileAnalysis(
        ['agents', name, 'analysis'],
        spec.analysis,
        { compileSchema, defaultModel: deps.defaults.analysisModel, business: file.business.name },
        problems,
      );
      if (compiled) analysis.set(name, compiled);
    }
    profiles.set(
      name,
      compileAgent(
        name,
        spec,
        {
          file,
          defaults: deps.defaults,
          schedules,
          carrier,
          compileSchema,
          baseDir: deps.baseDir,
          readFile: deps.readFile,
          clock,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
          ...(deps.readBinary ? { readBinary: deps.readBinary } : {}),
        },
        problems,
      ),
    );
  }

  const target = (
    name: string,
    t: { agent: string; hours?: string | undefined; afterHours?: { agent: string } | { reject: number } | undefined },
  ) => {
    const afterHours: AfterHours =
      t.afterHours === undefined
        ? { kind: 'reject', statusCode: afterHoursRejectStatus }
        : 'agent' in t.afterHours
          ? { kind: 'profile', profile: t.afterHours.agent }
          : { kind: 'reject', statusCode: t.afterHours.reject };
    return {
      name,
      profile: t.agent,
      hours: t.hours === undefined ? null : (schedules.get(t.hours) ?? null),
      schedule: t.hours ?? null,
      afterHours,
    };
  };
  const routes: Route[] = file.routing.routes.map((r, i) => ({
    ...target(`routing.routes[${i}]`, r),
    dialed: r.dialed ? new NumberList(r.dialed) : null,
    callers: r.callerPrefix ? new NumberList(r.callerPrefix, true) : null,
  }));
  const prices = withOverrides(builtInPrices, file.prices);
  problems.push(...priceWarnings(file, deps.defaults, prices));
  const { screening } = file;
  const routing: RoutingTable = {
    screening: {
      block: screening.block ? new NumberList(screening.block.callers) : null,
      blockStatus: screening.block?.status ?? 603,
      allow: screening.allow ? new NumberList(screening.allow.callers) : null,
      notAllowedStatus: screening.allow?.status ?? 403,
      rejectAnonymous: screening.anonymous?.reject ?? false,
      anonymousStatus: screening.anonymous?.status ?? 433,
    },
    routes,
    fallback: file.routing.default ? { ...target('routing.default', file.routing.default), dialed: null, callers: null } : null,
    noRouteStatus: file.routing.noRouteStatus,
  };
  return {
    routing,
    profiles,
    analysis,
    prices,
    timeZone: file.business.timeZone,
    maxConcurrentCalls: file.limits.maxConcurrentCalls ?? null,
    models: [...new Set([...profiles.values()].flatMap((p) => p.models ?? []))],
    summary: {
      agents: profiles.size,
      routes: routes.length + (routing.fallback ? 1 : 0),
      schedules: schedules.size,
      httpTools: Object.values(file.agents).reduce((n, a) => n + a.tools.length, 0),
    },
  };
}
