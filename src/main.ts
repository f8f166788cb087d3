import { existsSync } from 'node:fs';
import { loadConfig, type Config } from './config/config.ts';
import { isSwitchboardError } from './errors.ts';
import { createLogger } from './log/logger.ts';
import { createOpenAIConnection } from './openai/openai-client.ts';
import { startProfilesFromEnv } from './profiles/start-from-env.ts';
import { openConfiguredStore } from './records/open-store.ts';
import { createServer } from './server/create-server.ts';

const keepWarmMs = 30_000;

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

export async function runServer(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  // switchboard.yaml (or SWITCHBOARD_CONFIG): profiles, routing, screening. Without it, the environment's one agent.
  let profiles;
  try {
    profiles = startProfilesFromEnv(config, log, process.env);
  } catch (err) {
    if (!isSwitchboardError(err, 'SB_CONFIG_INVALID')) throw err;
    process.stderr.write(`switchboard: ${err.message}\nRun "switchboard check" for details; see README.md → The profile file.\n`);
    process.exit(78); // EX_CONFIG
  }
  const openai = createOpenAIConnection({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, webhookSecret: config.webhookSecret });
  let store;
  try {
    store = await openConfiguredStore(config, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot open the records store (DATABASE_URL or DATA_DIR)');
    process.exit(1);
  }
  const server = createServer({ config, log, client: openai.client, store, ...(profiles ? { planCall: profiles.planCall, onEvent: profiles.onEvent } : {}) });

  const warm = () =>
    openai.warm().catch((err: Error) => log.warn({ baseUrl: config.openaiBaseUrl, err: err.message }, 'cannot reach the OpenAI API yet'));
  if ((await openai.checkKey()) === 'refused') log.error({ baseUrl: config.openaiBaseUrl }, 'OPENAI_API_KEY was refused (401): calls will fail until it is fixed');
  await warm();
  const keepWarm = setInterval(warm, keepWarmMs).unref();

  await server.app.listen({ port: config.port, host: config.host });
  log.info({ port: config.port, baseUrl: config.openaiBaseUrl, model: config.model }, 'switchboard ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    clearInterval(keepWarm);
    profiles?.close();
    await server.shutdown();
    await store.close();
    await openai.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (profiles) process.on('SIGHUP', () => void profiles.reload('SIGHUP'));
}

if (import.meta.main) {
  await runServer(loadConfigOrExit());
}
