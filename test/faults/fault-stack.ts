// The real server as its own process (`node src/main.ts`), the emulator in this process, and
// optionally: a stall proxy in front of OpenAI, PostgreSQL behind a stall proxy, a call-event
// receiver. Each fault test plays one row of the reliability table against it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.ts';
import { webhookPath } from '../../src/inbound/webhook-route.ts';
import { type ReceivedEvent, startTestReceiver, type TestReceiver } from '../../src/testing/test-receiver.ts';
import { freePort, httpStatus, waitFor } from '../support/server-process.ts';
import { type StallProxy, startStallProxy } from '../support/stall-proxy.ts';

export { waitFor };

const testDatabaseUrl = inject('databaseUrl');
export const apiToken = 'faults-token-7d1c5e9a3b2f4d6e';
export const callEventsSecret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

export interface FaultStackOptions {
  env?: Record<string, string>;
  emulator?: Partial<StartEmulatorOptions>;
  /** Records in PostgreSQL (its own schema), reached through a stall proxy. Default: SQLite. */
  postgres?: boolean;
  /** OPENAI_BASE_URL goes through a stall proxy to the emulator. */
  proxyOpenAI?: boolean;
  /** Call-event webhooks go to a local receiver. */
  callEvents?: boolean;
}

export interface ServerRun {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output(): string;
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown> & { msg?: string }>;
}

export interface FaultStack {
  emulator: Emulator;
  base: string;
  server: ServerRun;
  pgProxy: StallProxy | null;
  openaiProxy: StallProxy | null;
  receiver: TestReceiver | null;
  /** Starts the server process again on the same port, data and database (after a kill). */
  restart(env?: Record<string, string>): Promise<ServerRun>;
  api(path: string, init?: RequestInit): Promise<Response>;
  /** GET /api/calls/:id, parsed. */
  record(callId: string): Promise<Record<string, any> | null>;
  metric(name: string, labels?: string): Promise<number>;
  /** Delivered call events for one call, verified, in arrival order. */
  callEvents(callId: string): ReceivedEvent[];
  close(): Promise<void>;
}

export async function startFaultStack(opts: FaultStackOptions = {}): Promise<FaultStack> {
  const apiKey = `sk-emulator-${randomBytes(6).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const emulator = await startEmulator({
    apiKey,
    webhookSecret,
    logger: false,
    playbackMs: 100,
    webhookRetryDelaysMs: [300, 600, 1200],
    ...opts.emulator,
  });
  const emulatorUrl = new URL(emulator.baseURL);
  const openaiProxy = opts.proxyOpenAI ? await startStallProxy({ host: emulatorUrl.hostname, port: Number(emulatorUrl.port) }) : null;
  const baseUrl = openaiProxy ? `http://127.0.0.1:${openaiProxy.port}/v1` : emulator.baseURL;

  let pgProxy: StallProxy | null = null;
  let schema: string | null = null;
  let databaseUrl: string | undefined;
  if (opts.postgres) {
    schema = `faults_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const target = new URL(testDatabaseUrl);
    pgProxy = await startStallProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(testDatabaseUrl);
    viaProxy.host = `127.0.0.1:${pgProxy.port}`;
    viaProxy.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = viaProxy.toString();
  }
  const receiver = opts.callEvents ? await startTestReceiver(callEventsSecret) : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-faults-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    OPENAI_API_KEY: apiKey,
    OPENAI_WEBHOOK_SECRET: webhookSecret,
    OPENAI_BASE_URL: baseUrl,
    REFER_TO: '+19195554321',
    HOST: '127.0.0.1',
    LOCAL_PORT: String(port),
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    API_TOKEN: apiToken,
    STORE_BATCH_MS: '100',
    DRAIN_TIMEOUT_MS: '1000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(receiver ? { CALL_EVENTS_URL: receiver.url, CALL_EVENTS_SECRET: callEventsSecret } : {}),
    ...opts.env,
    ...extra,
  });

  const spawnServer = async (extra?: Record<string, string>): Promise<ServerRun> => {
    const proc = spawn(process.execPath, ['src/main.ts'], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (d) => (output += d));
    proc.stderr?.on('data', (d) => (output += d));
    const exited = once(proc, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      at: performance.now(),
    }));
    const run: ServerRun = {
      proc,
      exited,
      output: () => output,
      logs: () =>
        output
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .flatMap((l) => {
            try {
              return [JSON.parse(l)];
            } catch {
              return [];
            }
          }),
    };
    try {
      await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}`);
          return (await httpStatus(`${base}/ready`)) === 200 ? true : undefined;
        },
        'the server to be ready',
        15_000,
      );
    } catch (err) {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${output}`);
    }
    return run;
  };

  const server = await spawnServer();
  emulator.setWebhookUrl(`${base}${webhookPath}`);
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}`, ...init.headers } });

  const stack: FaultStack = {
    emulator,
    base,
    server,
    pgProxy,
    openaiProxy,
    receiver,
    async restart(extra) {
      stack.server = await spawnServer(extra);
      return stack.server;
    },
    api,
    async record(callId) {
      const res = await api(`/api/calls/${callId}`);
      return res.status === 200 ? ((await res.json()) as Record<string, any>) : null;
    },
    async metric(name, labels = '') {
      const text = await (await fetch(`${base}/metrics`)).text();
      const prefix = `${name}${labels ? `{${labels}}` : ''} `;
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    },
    callEvents(callId) {
      return (receiver?.received ?? []).filter((r) => r.status >= 200 && r.status < 300 && r.verified?.data.callId === callId);
    },
    async close() {
      const proc = stack.server.proc;
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await stack.server.exited;
      }
      pgProxy?.resume();
      openaiProxy?.resume();
      await emulator.close();
      await openaiProxy?.close();
      await pgProxy?.close();
      await receiver?.close();
      if (schema) {
        const admin = new pg.Client({ connectionString: testDatabaseUrl });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** The server process is gone (exited or killed). */
export const isGone = (run: ServerRun) => run.proc.exitCode !== null || run.proc.signalCode !== null;
