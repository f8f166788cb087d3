// The profile file in force, swapped whole on reload. A reload that fails the check
// keeps the previous config; calls in progress keep the AgentPlan they were accepted
// with, so a reload never changes a live call.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CallEventListener } from '../calls/call-events.ts';
import type { Logger } from '../log/logger.ts';
import { CallCounter } from '../routing/call-counter.ts';
import type { PlanCall } from '../routing/call-plan.ts';
import { createPlanCall, createRestorePlan, type RestorePlan } from '../routing/plan-call.ts';
import type { AgentDefaults } from './agent-defaults.ts';
import type { CompiledProfiles } from './compile-profiles.ts';
import type { Env } from './interpolate.ts';
import { type LoadResult, loadProfilesFile } from './load-profiles.ts';
import { formatProblem, type Problem } from './problem.ts';
import { type WatchFn, watchFile } from './watch-file.ts';

export interface ProfilesRuntimeOptions {
  path: string;
  env: Env;
  defaults: AgentDefaults;
  log: Logger;
  /** Watch the file and reload when it changes (default true). */
  watch?: boolean;
  watchFn?: WatchFn;
  debounceMs?: number;
  readFile?: (path: string) => string;
  fetch?: typeof fetch;
  /** Epoch ms: opening hours, template dates. */
  clock?: () => number;
}

export interface ProfilesRuntime {
  readonly path: string;
  /** What the server asks before every accept. */
  readonly planCall: PlanCall;
  /** The plan of a call taken back after a restart, by agent name. */
  readonly restorePlan: RestorePlan;
  /** Frees concurrency slots as calls end. */
  readonly onEvent: CallEventListener;
  readonly counter: CallCounter;
  current(): CompiledProfiles;
  /** Loads the file again; false (and the old config stays) when it fails the check. */
  reload(trigger: string): boolean;
  close(): void;
}

export type StartProfilesResult = { ok: true; runtime: ProfilesRuntime; warnings: Problem[] } | { ok: false; problems: Problem[] };

export function startProfiles(opts: ProfilesRuntimeOptions): StartProfilesResult {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let lastText: string | null = null;
  const load = (): LoadResult => {
    // Remember what was read, so a watch event for an unchanged file is not a reload.
    const reading = (p: string) => {
      const text = readFile(p);
      if (p === opts.path) lastText = hash(text);
      return text;
    };
    return loadProfilesFile(opts.path, {
      env: opts.env,
      defaults: opts.defaults,
      readFile: reading,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  };
  const first = load();
  if (!first.ok) return { ok: false, problems: first.problems };
  let current = first.profiles;
  const counter = new CallCounter();
  const planDeps = { snapshot: () => current, counter, ...(opts.clock ? { now: opts.clock } : {}) };
  const planCall = createPlanCall(planDeps);
  const restorePlan = createRestorePlan(planDeps);
  const show = (problems: Problem[]) => problems.map((p) => formatProblem(p, opts.path));

  const reload = (trigger: string): boolean => {
    const before = lastText;
    const result = load();
    if (trigger === 'file change' && before !== null && before === lastText) return true;
    if (!result.ok) {
      opts.log.error({ file: opts.path, trigger, problems: show(result.problems) }, 'profile file refused: keeping the previous one');
      return false;
    }
    current = result.profiles;
    if (result.warnings.length > 0) opts.log.warn({ file: opts.path, warnings: show(result.warnings) }, 'profile file warnings');
    opts.log.info({ file: opts.path, trigger, ...current.summary, liveCalls: counter.total }, 'profile file reloaded');
    return true;
  };

  const stopWatching =
    opts.watch === false
      ? () => {}
      : watchFile(opts.path, () => void reload('file change'), {
          ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
          ...(opts.watchFn ? { watch: opts.watchFn } : {}),
        });

  return {
    ok: true,
    warnings: first.warnings,
    runtime: {
      path: opts.path,
      planCall,
      restorePlan,
      onEvent: counter.onEvent,
      counter,
      current: () => current,
      reload,
      close: stopWatching,
    },
  };
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');
