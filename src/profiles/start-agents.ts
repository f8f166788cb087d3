// The agents a server runs: the profile file's, or, without a file, the environment's one
// agent. Both are compiled by the same compiler from the same defaults, so keypad input,
// transfers, the carrier policy and templates behave the same with or without a file.
import type { CallEventListener } from '../calls/call-events.ts';
import type { Config } from '../config/config.ts';
import { SwitchboardError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { CallCounter } from '../routing/call-counter.ts';
import type { PlanCall } from '../routing/call-plan.ts';
import { createPlanCall, createRestorePlan, type RestorePlan } from '../routing/plan-call.ts';
import { agentDefaultsFromConfig } from './agent-defaults.ts';
import { type CompiledProfiles, compileProfiles } from './compile-profiles.ts';
import type { Env } from './interpolate.ts';
import { formatPath, formatProblem, type Problem } from './problem.ts';
import { profilesPath } from './profiles-path.ts';
import { startProfiles } from './profiles-runtime.ts';
import { profilesFileSchema } from './schema.ts';

/** What the server needs from its agents. */
export interface Agents {
  /** `file` or `environment`. */
  readonly source: 'file' | 'environment';
  readonly planCall: PlanCall;
  /** The plan of a call taken back after a restart: the agent it was accepted with, by name; null when none has it. */
  readonly restorePlan: RestorePlan;
  /** Frees concurrency slots as calls end. */
  readonly onEvent: CallEventListener;
  /** The agents in force now (a reload swaps them): their post-call analysis, the price table, the routing preview's snapshot. */
  current(): CompiledProfiles;
  /** Live calls per agent, against the caps. */
  readonly counter: CallCounter;
  /** Loads the file again (SIGHUP); false when it fails the check. Nothing to do without a file. */
  reload(trigger: string): boolean;
  close(): void;
}

export interface AgentsOptions {
  log: Logger;
  /** The profile file and the environment its ${VAR}s come from; null: the environment's agent. */
  file: { path: string; env: Env; watch?: boolean } | null;
  fetch?: typeof fetch;
  /** Epoch ms: opening hours, template dates. */
  clock?: () => number;
}

/** The environment's agent is a profile of this name, routed every call. */
export const environmentAgent = 'default';

/** Throws SB_CONFIG_INVALID (every problem listed) when the file or the environment's agent fails the check. */
export function startAgents(config: Config, opts: AgentsOptions): Agents {
  return opts.file ? fromFile(config, opts, opts.file) : fromEnvironment(config, opts);
}

/** Where the profile file is (SWITCHBOARD_CONFIG, else ./switchboard.yaml when it exists); null: none. */
export function locateProfileFile(env: Env, cwd: string): string | null {
  const found = profilesPath(env, cwd);
  if (found.kind === 'missing')
    throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - SWITCHBOARD_CONFIG: ${found.path} does not exist`, { file: found.path });
  return found.kind === 'file' ? found.path : null;
}

function fromFile(config: Config, opts: AgentsOptions, file: NonNullable<AgentsOptions['file']>): Agents {
  const { log } = opts;
  const started = startProfiles({
    path: file.path,
    env: file.env,
    defaults: agentDefaultsFromConfig(config),
    log,
    ...(file.watch !== undefined ? { watch: file.watch } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  if (!started.ok) {
    const problems = started.problems.map((p) => formatProblem(p, file.path));
    throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - ${problems.join('\n  - ')}`, { file: file.path, problems });
  }
  const { runtime, warnings } = started;
  if (warnings.length > 0)
    log.warn({ file: file.path, warnings: warnings.map((p) => formatProblem(p, file.path)) }, 'profile file warnings');
  log.info({ file: file.path, ...runtime.current().summary }, 'profile file loaded');
  return {
    source: 'file',
    planCall: runtime.planCall,
    restorePlan: runtime.restorePlan,
    onEvent: runtime.onEvent,
    current: runtime.current,
    counter: runtime.counter,
    reload: runtime.reload,
    close: runtime.close,
  };
}

// Problems in the environment's agent name the variable to fix, not a path in a file.
const variableOf: Record<string, string> = {
  [`agents.${environmentAgent}.instructions`]: 'AGENT_INSTRUCTIONS',
  [`agents.${environmentAgent}.greeting`]: 'GREETING',
  [`agents.${environmentAgent}.voice`]: 'AGENT_VOICE',
  [`agents.${environmentAgent}.surface`]: 'AGENT_SURFACE',
  [`agents.${environmentAgent}.model`]: 'OPENAI_MODEL or LIVE_MODEL',
  [`agents.${environmentAgent}.delegation`]: 'DELEGATION_MODEL',
  [`agents.${environmentAgent}.recording`]: 'RECORDING',
};
const describeForEnv = (p: Problem) => {
  const path = formatPath(p.path);
  return `${variableOf[path] ?? path}: ${p.message}`;
};

function fromEnvironment(config: Config, opts: AgentsOptions): Agents {
  // ANALYSIS_SUMMARY: a summary of every answered call, as `analysis: { summary: true }` would give.
  const agent = config.analysisSummary ? { analysis: { summary: true } } : {};
  const file = profilesFileSchema.parse({ agents: { [environmentAgent]: agent }, routing: { default: { agent: environmentAgent } } });
  const problems: Problem[] = [];
  const compiled = compileProfiles(
    file,
    {
      defaults: agentDefaultsFromConfig(config),
      baseDir: '.',
      readFile: () => {
        throw new Error('the environment agent reads no files');
      },
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    },
    problems,
  );
  const errors = problems.filter((p) => p.severity === 'error').map(describeForEnv);
  if (errors.length > 0) throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - ${errors.join('\n  - ')}`, { problems: errors });
  const warnings = problems.filter((p) => p.severity === 'warning').map(describeForEnv);
  if (config.carrierAllowedHosts === null) {
    warnings.push("CARRIER_ALLOWED_HOSTS: not set: transfers trust any Contact host in the INVITE; list your carrier's hosts or networks");
  }
  if (warnings.length > 0) opts.log.warn({ warnings }, 'configuration warnings');
  const counter = new CallCounter();
  const planDeps = { snapshot: () => compiled, counter, ...(opts.clock ? { now: opts.clock } : {}) };
  return {
    source: 'environment',
    planCall: createPlanCall(planDeps),
    restorePlan: createRestorePlan(planDeps),
    onEvent: counter.onEvent,
    current: () => compiled,
    counter,
    reload: () => true,
    close: () => {},
  };
}
