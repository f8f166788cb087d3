import { existsSync } from 'node:fs';
import { type Config, loadConfig } from './config/config.ts';
import { isSwitchboardError } from './errors.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { locateProfileFile } from './profiles/start-agents.ts';
import { buildSwitchboard, type Switchboard } from './server/build-switchboard.ts';
import { installCrashHandlers } from './server/crash-handlers.ts';

/** Past DRAIN_TIMEOUT_MS, the longest shutdown may take whatever the network does; then the process exits anyway. */
export const shutdownCeilingMs = 10_000;

export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  if (existsSync('.env')) process.loadEnvFile('.env'); // never overrides variables already set
  try {
    return loadConfig(env);
  } catch (err) {
    if (!isSwitchboardError(err, 'SB_CONFIG_INVALID')) throw err;
    process.stderr.write(`switchboard: ${err.message}\nSee README.md → Configuration.\n`);
    process.exit(78); // EX_CONFIG
  }
}

/**
 * What `npm start` runs: the switchboard for this configuration and environment,
 * listening. The environment is read here (the profile file and its ${VAR}s), not
 * in the composition root.
 */
export async function startSwitchboard(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  log: Logger = createLogger(config.logLevel),
): Promise<Switchboard> {
  // switchboard.yaml (or SWITCHBOARD_CONFIG): profiles, routing, screening. Without it, the environment's one agent.
  const path = locateProfileFile(env, cwd);
  const switchboard = await buildSwitchboard(config, { log, env, cwd, profileFile: path ? { path, env } : null });
  await switchboard.start();
  return switchboard;
}

export async function runServer(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  let stop: ((reason: string, exitCode: number) => Promise<void>) | null = null;
  installCrashHandlers(process, log, (reason) => {
    if (stop) void stop(reason, 1);
    else process.exit(1); // still starting: nothing to drain
  });
  let switchboard: Switchboard;
  try {
    switchboard = await startSwitchboard(config, process.env, process.cwd(), log);
  } catch (err) {
    if (isSwitchboardError(err, 'SB_CONFIG_INVALID')) {
      const hint = err.fields.file
        ? 'Run "switchboard check" for details; see README.md → The profile file.'
        : 'See README.md → Configuration.';
      process.stderr.write(`switchboard: ${err.message}\n${hint}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(`switchboard: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { agents } = switchboard;

  let stopping = false;
  stop = async (reason: string, exitCode: number) => {
    if (stopping) {
      if (reason === 'SIGTERM' || reason === 'SIGINT') {
        log.warn({ signal: reason }, 'second signal: exiting now');
        process.exit(1);
      }
      return;
    }
    stopping = true;
    log.info({ reason }, 'shutting down');
    // Every step of the shutdown is bounded; this is the backstop should one still hang.
    const ceilingMs = config.drainTimeoutMs + shutdownCeilingMs;
    setTimeout(() => {
      log.error({ reason, ceilingMs }, 'shutdown did not finish in time: exiting now');
      process.exit(exitCode === 0 ? 1 : exitCode);
    }, ceilingMs).unref();
    await switchboard.shutdown();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stop?.('SIGTERM', 0));
  process.on('SIGINT', () => void stop?.('SIGINT', 0));
  if (agents.source === 'file') process.on('SIGHUP', () => void agents.reload('SIGHUP'));
}

if (import.meta.main) {
  await runServer(loadConfigOrExit());
}
