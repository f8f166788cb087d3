// The real server with a profile file, the emulator and a stand-in business API, on
// loopback: what the profiles demo and the end-to-end tests run.

import { randomBytes } from 'node:crypto';
import type { CallEvent } from '../calls/call-events.ts';
import type { StartEmulatorOptions } from '../emulator/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { Agents } from '../profiles/start-agents.ts';
import { type LocalStack, startLocalStack } from '../testing/local-stack.ts';
import { type BusinessApi, startBusinessApi } from './business-api.ts';

export interface ProfilesStackOptions {
  file: string;
  /** Extra environment for the file's ${VAR}s and the server. */
  env?: Record<string, string>;
  /** Wall-clock time the call planner sees (ISO 8601); change it with setTime. */
  at: string;
  logger?: Logger;
  emulator?: Partial<StartEmulatorOptions>;
  /** Watch the file for changes (default false here). */
  watch?: boolean;
}

export interface ProfilesStack {
  stack: LocalStack;
  /** The file's agents: reload() as SIGHUP would. */
  agents: Agents;
  api: BusinessApi;
  /** Every call event the server emitted. */
  events: CallEvent[];
  setTime(iso: string): void;
  close(): Promise<void>;
}

export async function startProfilesStack(opts: ProfilesStackOptions): Promise<ProfilesStack> {
  const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const api = await startBusinessApi(signingSecret);
  const env: Record<string, string> = {
    REFER_TO: '+19195554321',
    TOOLS_SIGNING_SECRET: signingSecret,
    ORDERS_API_URL: `${api.url}/orders`,
    ...opts.env,
  };
  let now = Date.parse(opts.at);
  const log = opts.logger ?? createLogger('silent');
  const events: CallEvent[] = [];
  const stack = await startLocalStack({
    env,
    logger: log,
    emulator: { playbackMs: 60, ...opts.emulator },
    server: {
      profileFile: { path: opts.file, env: { ...process.env, ...env }, watch: opts.watch ?? false },
      routingTime: () => now,
      onEvent: (event) => void events.push(event),
    },
  }).catch(async (err: unknown) => {
    await api.close();
    throw err;
  });
  return {
    stack,
    agents: stack.server.agents,
    api,
    events,
    setTime: (iso) => void (now = Date.parse(iso)),
    async close() {
      await stack.close();
      await api.close();
    },
  };
}
