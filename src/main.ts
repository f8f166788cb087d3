import { existsSync } from 'node:fs';
import { loadConfig, type Config } from './config/config.ts';
import { isSwitchboardError } from './errors.ts';
import { createLogger } from './log/logger.ts';
import { locateProfileFile } from './profiles/start-agents.ts';
import { buildSwitchboard, type Switchboard } from './server/build-switchboard.ts';

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
export async function startSwitchboard(config: Config, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<Switchboard> {
  const log = createLogger(config.logLevel);
  // switchboard.yaml (or SWITCHBOARD_CONFIG): profiles, routing, screening. Without it, the environment's one agent.
  const path = locateProfileFile(env, cwd);
  const switchboard = await buildSwitchboard(config, { log, env, cwd, profileFile: path ? { path, env } : null });
  await switchboard.start();
  return switchboard;
}

export async function runServer(config: Config): Promise<void> {
  let switchboard: Switchboard;
  try {
    switchboard = await startSwitchboard(config);
  } catch (err) {
    if (isSwitchboardError(err, 'SB_CONFIG_INVALID')) {
      const hint = err.fields.file ? 'Run "switchboard check" for details; see README.md → The profile file.' : 'See README.md → Configuration.';
      process.stderr.write(`switchboard: ${err.message}\n${hint}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(`switchboard: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { log, agents } = switchboard;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    await switchboard.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (agents.source === 'file') process.on('SIGHUP', () => void agents.reload('SIGHUP'));
}

if (import.meta.main) {
  await runServer(loadConfigOrExit());
}
