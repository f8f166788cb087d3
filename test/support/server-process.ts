import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.ts';
import { webhookPath } from '../../src/inbound/webhook-route.ts';

export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  return port;
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const httpStatus = (url: string) =>
  fetch(url).then(
    (r) => r.status,
    () => undefined,
  );

export interface ServerProcess {
  proc: ChildProcess;
  base: string;
  emulator: Emulator;
  exited: Promise<{ code: number | null; at: number }>;
  output(): string;
  stop(): Promise<void>;
}

/** The real `npm start` entry point as its own process, wired to an emulator in this process. */
export async function startServerProcess(
  extraEnv: Record<string, string>,
  emulatorOptions: Partial<StartEmulatorOptions> = {},
): Promise<ServerProcess> {
  const apiKey = `sk-emulator-${randomBytes(6).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const emulator = await startEmulator({ apiKey, webhookSecret, logger: false, ...emulatorOptions });
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
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-process-')), // records go to a fresh SQLite file, not ./data
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const exited = once(proc, 'exit').then(([code]) => ({ code: code as number | null, at: performance.now() }));
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await emulator.close();
  };
  try {
    await waitFor(async () => ((await httpStatus(`${base}/ready`)) === 200 ? true : undefined), 'the server to be ready');
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  emulator.setWebhookUrl(`${base}${webhookPath}`);
  return { proc, base, emulator, exited, output: () => output, stop };
}
