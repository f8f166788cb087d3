// At server start: the profile file if there is one, else null (the environment-only agent).
import type { Config } from '../config/config.ts';
import { SwitchboardError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { agentDefaultsFromConfig } from './agent-defaults.ts';
import type { Env } from './interpolate.ts';
import { formatProblem } from './problem.ts';
import { profilesPath } from './profiles-path.ts';
import { startProfiles, type ProfilesRuntime } from './profiles-runtime.ts';

/** Throws SB_CONFIG_INVALID (every problem listed) when the file exists but fails the check. */
export function startProfilesFromEnv(config: Config, log: Logger, env: Env, cwd: string = process.cwd()): ProfilesRuntime | null {
  const found = profilesPath(env, cwd);
  if (found.kind === 'none') return null;
  if (found.kind === 'missing') throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - SWITCHBOARD_CONFIG: ${found.path} does not exist`, { file: found.path });
  const started = startProfiles({ path: found.path, env, defaults: agentDefaultsFromConfig(config), log });
  if (!started.ok) {
    const problems = started.problems.map((p) => formatProblem(p, found.path));
    throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - ${problems.join('\n  - ')}`, { file: found.path, problems });
  }
  const { runtime, warnings } = started;
  if (warnings.length > 0) log.warn({ file: found.path, warnings: warnings.map((p) => formatProblem(p, found.path)) }, 'profile file warnings');
  log.info({ file: found.path, ...runtime.current().summary }, 'profile file loaded');
  return runtime;
}
