import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { webhookPath } from '../src/webhook/webhook-route.ts';

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  return port;
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const status = (url: string) => fetch(url).then((r) => r.status, () => undefined);

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await emulator?.close();
});

/** The real `npm start` entry point as its own process, wired to the emulator. */
async function startServerProcess(extraEnv: Record<string, string>) {
  const apiKey = `sk-emulator-${randomBytes(6).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  emulator = await startEmulator({ apiKey, webhookSecret, logger: false });
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
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const exited = once(proc, 'exit').then(([code]) => ({ code: code as number | null, at: performance.now() }));
  await waitFor(async () => ((await status(`${base}/ready`)) === 200 ? true : undefined), 'the server to be ready');
  emulator.setWebhookUrl(`${base}${webhookPath}`);
  return { proc, base, exited, output: () => output, emulator };
}

describe('SIGTERM', () => {
  it('stops taking calls, lets the live call finish, then exits 0', async () => {
    const { proc, base, exited, output, emulator } = await startServerProcess({ DRAIN_TIMEOUT_MS: '10000' });
    const call = await emulator.placeCall({ steps: [{ say: 'hello' }, { wait: 1200 }, { say: 'thanks, bye' }, { hangup: true }] });
    await waitFor(() => (emulator.call(call.id)?.connectionCount === 1 ? true : undefined), 'the control socket');

    proc.kill('SIGTERM');
    await waitFor(async () => ((await status(`${base}/ready`)) === 503 ? true : undefined), '/ready to answer 503');
    const late = emulator.createCall({ steps: [] });
    expect((await emulator.deliverWebhook(late.id)).status).toBe(503);
    expect(emulator.call(late.id)?.accepts).toHaveLength(0);

    const record = await call.ended;
    expect(record.endedBy).toBe('caller');
    const exit = await exited;
    expect(exit.code).toBe(0);
    expect(exit.at).toBeGreaterThanOrEqual(record.endedAt ?? Infinity);
    expect(output()).toContain('"msg":"draining"');
  });

  it('hangs up calls still live at the drain timeout, then exits 0', async () => {
    const { proc, exited, emulator } = await startServerProcess({ DRAIN_TIMEOUT_MS: '300' });
    const call = await emulator.placeCall({ steps: [{ say: 'a long story' }, { wait: 30_000 }] });
    await waitFor(() => (emulator.call(call.id)?.connectionCount === 1 ? true : undefined), 'the control socket');
    proc.kill('SIGTERM');
    const record = await call.ended;
    expect(record.endedBy).toBe('hangup');
    expect((await exited).code).toBe(0);
  });
});
