import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config, type Env } from '../config/config.ts';
import { startEmulator, type Emulator, type StartEmulatorOptions } from '../emulator/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createOpenAIConnection, type OpenAIConnection } from '../openai/openai-client.ts';
import { createServer, type ServerDeps, type SwitchboardServer } from '../server/create-server.ts';
import { webhookPath } from '../inbound/webhook-route.ts';

export interface LocalStackOptions {
  /** Environment for the server, on top of what the stack sets (keys, base URL, REFER_TO). */
  env?: Env;
  emulator?: Partial<StartEmulatorOptions>;
  server?: Partial<Omit<ServerDeps, 'config' | 'log' | 'client'>>;
  logger?: Logger;
}

export interface LocalStack {
  emulator: Emulator;
  server: SwitchboardServer;
  config: Config;
  openai: OpenAIConnection;
  /** e.g. http://127.0.0.1:PORT */
  serverUrl: string;
  webhookUrl: string;
  close(): Promise<void>;
}

/** The real server wired to the emulator on loopback: what the demo and the end-to-end tests run. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const apiKey = `sk-emulator-${randomBytes(8).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const emulator = await startEmulator({ apiKey, webhookSecret, logger: false, ...opts.emulator });
  const config = loadConfig({
    OPENAI_API_KEY: apiKey,
    OPENAI_WEBHOOK_SECRET: webhookSecret,
    OPENAI_BASE_URL: emulator.baseURL,
    REFER_TO: '+19195554321',
    HOST: '127.0.0.1',
    LOCAL_PORT: '0',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const log = opts.logger ?? createLogger(config.logLevel);
  const openai = createOpenAIConnection({ apiKey, baseURL: config.openaiBaseUrl, webhookSecret });
  const server = createServer({ config, log, client: openai.client, ...opts.server });
  await openai.checkKey();
  await openai.warm();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  const serverUrl = `http://127.0.0.1:${port}`;
  const webhookUrl = `${serverUrl}${webhookPath}`;
  emulator.setWebhookUrl(webhookUrl);
  return {
    emulator,
    server,
    config,
    openai,
    serverUrl,
    webhookUrl,
    async close() {
      await emulator.close();
      if (!server.isDraining()) await server.shutdown();
      await openai.close();
    },
  };
}
