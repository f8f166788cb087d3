import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, type Env, loadConfig } from '../config/config.ts';
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../emulator/index.ts';
import { webhookPath } from '../inbound/webhook-route.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { OpenAIConnection } from '../openai/openai-client.ts';
import { buildSwitchboard, type Switchboard, type SwitchboardOverrides } from '../server/build-switchboard.ts';

export interface LocalStackOptions {
  /** Environment for the server, on top of what the stack sets (keys, base URL, REFER_TO, a fresh DATA_DIR). */
  env?: Env;
  emulator?: Partial<StartEmulatorOptions>;
  /** What the configuration would otherwise build (e.g. `store: null` for no records). */
  server?: Omit<SwitchboardOverrides, 'log'>;
  logger?: Logger;
}

export interface LocalStack {
  emulator: Emulator;
  server: Switchboard;
  config: Config;
  openai: OpenAIConnection;
  /** e.g. http://127.0.0.1:PORT */
  serverUrl: string;
  webhookUrl: string;
  close(): Promise<void>;
}

/**
 * The real server wired to the emulator on loopback: what the demo and the end-to-end
 * tests run. Built by the same buildSwitchboard as `npm start`; records go to SQLite in
 * a fresh directory (removed on close) unless the environment or `server.store` say otherwise.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const apiKey = `sk-emulator-${randomBytes(8).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const emulator = await startEmulator({ apiKey, webhookSecret, logger: false, ...opts.emulator });
  const ownDataDir = opts.env?.DATA_DIR === undefined && opts.server?.store === undefined ? mkdtempSync(join(tmpdir(), 'sb-stack-')) : null;
  const env: Env = {
    OPENAI_API_KEY: apiKey,
    OPENAI_WEBHOOK_SECRET: webhookSecret,
    OPENAI_BASE_URL: emulator.baseURL,
    REFER_TO: '+19195554321',
    HOST: '127.0.0.1',
    LOCAL_PORT: '0',
    LOG_LEVEL: 'silent',
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const log = opts.logger ?? createLogger(config.logLevel);
  const removeDataDir = () => ownDataDir && rmSync(ownDataDir, { recursive: true, force: true });
  const cleanUp = async () => {
    await emulator.close();
    removeDataDir();
  };
  const server = await buildSwitchboard(config, { log, env, ...opts.server }).catch(async (err: unknown) => {
    await cleanUp();
    throw err;
  });
  const { port } = await server.start().catch(async (err: unknown) => {
    await server.shutdown();
    await cleanUp();
    throw err;
  });
  const serverUrl = `http://127.0.0.1:${port}`;
  const webhookUrl = `${serverUrl}${webhookPath}`;
  emulator.setWebhookUrl(webhookUrl);
  return {
    emulator,
    server,
    config,
    openai: server.openai,
    serverUrl,
    webhookUrl,
    async close() {
      await emulator.close(); // first: its calls end, so the drain has nothing to wait for
      await server.shutdown();
      removeDataDir();
    },
  };
}
