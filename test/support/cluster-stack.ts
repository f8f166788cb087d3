// Several real server processes (`node src/main.ts`) sharing one PostgreSQL schema and one
// emulator: what the cluster tests run against.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.ts';
import { webhookPath } from '../../src/inbound/webhook-route.ts';
import { freePort, httpStatus, waitFor } from './server-process.ts';

const testDatabaseUrl = inject('databaseUrl');

export interface Instance {
  name: string;
  base: string;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** The operator API with the stack's token. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

export interface ClusterStack {
  emulator: Emulator;
  apiToken: string;
  /** DATABASE_URL of every instance (a schema of its own), or null: SQLite in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  instances: Instance[];
  /** Starts one more instance and waits until it is ready. */
  start(name: string, env?: Record<string, string>): Promise<Instance>;
  /** Sends the call's webhook (the same delivery: same webhook-id) to each of these instances at once. */
  deliverTo(callId: string, to: readonly Instance[]): Promise<{ status: number; body: string }[]>;
  close(): Promise<void>;
}

export interface ClusterStackOptions {
  /** PostgreSQL (default) or SQLite (one instance). */
  store?: 'postgres' | 'sqlite';
  env?: Record<string, string>;
  emulator?: Partial<StartEmulatorOptions>;
}

export async function startClusterStack(opts: ClusterStackOptions = {}): Promise<ClusterStack> {
  const apiKey = `sk-emulator-${randomBytes(6).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const apiToken = randomBytes(16).toString('hex');
  const emulator = await startEmulator({
    apiKey,
    webhookSecret,
    logger: false,
    webhookRetryDelaysMs: [],
    playbackMs: 50,
    ...opts.emulator,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-cluster-'));
  let schema: string | null = null;
  let databaseUrl: string | null = null;
  if ((opts.store ?? 'postgres') === 'postgres') {
    schema = `sb_cluster_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(testDatabaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
  }
  const instances: Instance[] = [];

  const start = async (name: string, env: Record<string, string> = {}): Promise<Instance> => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, ['src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        OPENAI_API_KEY: apiKey,
        OPENAI_WEBHOOK_SECRET: webhookSecret,
        OPENAI_BASE_URL: emulator.baseURL,
        REFER_TO: '+19195554321',
        HOST: '127.0.0.1',
        LOCAL_PORT: String(port),
        LOG_LEVEL: 'info',
        API_TOKEN: apiToken,
        DATA_DIR: dataDir,
        INSTANCE_ID: name,
        STORE_BATCH_MS: '100',
        // Short leases: a dead instance's calls are taken over within about two seconds.
        CLUSTER_HEARTBEAT_MS: '250',
        CLUSTER_LEASE_MS: '1500',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...opts.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout?.on('data', (d) => (output += d));
    proc.stderr?.on('data', (d) => (output += d));
    const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    const instance: Instance = {
      name,
      base,
      proc,
      exited,
      output: () => output,
      async api(path, init = {}) {
        const res = await fetch(`${base}/api${path}`, {
          method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
          headers: { authorization: `Bearer ${apiToken}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      },
    };
    try {
      await waitFor(async () => ((await httpStatus(`${base}/ready`)) === 200 ? true : undefined), `${name} to be ready`, 15_000);
    } catch (err) {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${output}`);
    }
    instances.push(instance);
    return instance;
  };

  return {
    emulator,
    apiToken,
    databaseUrl,
    dataDir,
    instances,
    start,
    deliverTo(callId, to) {
      // The emulator reads its webhook URL as each delivery starts: set, send, set, send.
      const sent = to.map((instance) => {
        emulator.setWebhookUrl(`${instance.base}${webhookPath}`);
        return emulator.deliverWebhook(callId, { retry: false });
      });
      return Promise.all(sent);
    },
    async close() {
      for (const i of instances) if (i.proc.exitCode === null && i.proc.signalCode === null) i.proc.kill('SIGKILL');
      await Promise.all(instances.map((i) => i.exited));
      await emulator.close();
      if (schema) {
        const admin = new pg.Client({ connectionString: testDatabaseUrl });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    },
  };
}
