// The real server with a profile file, the emulator and a stand-in business API, on
// loopback: what the profiles demo and the end-to-end tests run.
import { randomBytes } from 'node:crypto';
import type { CallEvent } from '../calls/call-events.ts';
import type { StartEmulatorOptions } from '../emulator/index.ts';
import type { Logger } from '../log/logger.ts';
import { agentDefaultsFromEnv } from '../profiles/agent-defaults.ts';
import { formatProblem } from '../profiles/problem.ts';
import { startProfiles, type ProfilesRuntime } from '../profiles/profiles-runtime.ts';
import { startLocalStack, type LocalStack } from '../testing/local-stack.ts';
import { startBusinessApi, type BusinessApi } from './business-api.ts';

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
  runtime: ProfilesRuntime;
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
  const { createLogger } = await import('../log/logger.ts');
  const log = opts.logger ?? createLogger('silent');
  const started = startProfiles({ path: opts.file, env: { ...process.env, ...env }, defaults: agentDefaultsFromEnv(env), log, clock: () => now, watch: opts.watch ?? false });
  if (!started.ok) {
    await api.close();
    throw new Error(`profile file refused:\n${started.problems.map((p) => formatProblem(p, opts.file)).join('\n')}`);
  }
  const runtime = started.runtime;
  const events: CallEvent[] = [];
  const stack = await startLocalStack({
    env,
    logger: log,
    emulator: { playbackMs: 60, ...opts.emulator },
    server: {
      planCall: runtime.planCall,
      onEvent: (event) => {
        runtime.onEvent(event);
        events.push(event);
      },
    },
  });
  return {
    stack,
    runtime,
    api,
    events,
    setTime: (iso) => void (now = Date.parse(iso)),
    async close() {
      runtime.close();
      await stack.close();
      await api.close();
    },
  };
}
