// Going live on a fresh machine, against the emulator: `switchboard setup`, the real server
// started from the .env setup wrote, `switchboard doctor`; then each wrong set-up and the
// message that names its step and its fix.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.ts';
import type { CheckId, CheckResult } from '../src/setup/checks.ts';
import { runDoctorCommand } from '../src/setup/doctor-command.ts';
import { runSetupCommand } from '../src/setup/setup-command.ts';
import { freePort, httpStatus, waitFor } from './support/server-process.ts';

const apiKey = 'sk-fresh-machine-0123456789abcdef';
const apiToken = 'doctor-token-0123456789abcdef';
const mainTs = new URL('../src/main.ts', import.meta.url).pathname;

describe('setup, then doctor, on a fresh machine (emulator)', () => {
  let emu: Emulator;
  let dir: string;
  let port: number;
  let publicUrl: string;
  let server: { proc: ChildProcess; output: () => string } | undefined;
  const extraServers: http.Server[] = [];

  beforeAll(async () => {
    emu = await startEmulator({
      apiKey,
      webhookSecret: `whsec_${Buffer.from('unused-unused-unused-unused-0000').toString('base64')}`,
      logger: false,
      projectId: 'proj_fresh42',
    });
    dir = mkdtempSync(join(tmpdir(), 'sb-fresh-'));
    port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, '.env'),
      [
        '# written by hand before setup',
        `OPENAI_API_KEY=${apiKey}`,
        `OPENAI_BASE_URL=${emu.baseURL}`,
        'REFER_TO=+19195554321',
        `API_TOKEN=${apiToken}`,
        'HOST=127.0.0.1',
        `LOCAL_PORT=${port}`,
        `DATA_DIR=${join(dir, 'data')}`,
        'LOG_LEVEL=warn',
        '',
      ].join('\n'),
    );
  });
  afterEach(() => {
    if (server && server.proc.exitCode !== null) server = undefined;
  });
  afterAll(async () => {
    await stopServer();
    for (const s of extraServers) s.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const envPath = () => join(dir, '.env');
  const envFile = () => parseEnv(readFileSync(envPath(), 'utf8')) as Record<string, string>;
  const setEnv = (changes: Record<string, string | null>) => {
    const lines = readFileSync(envPath(), 'utf8')
      .split('\n')
      .filter((l) => !Object.keys(changes).some((k) => l.startsWith(`${k}=`)));
    for (const [k, v] of Object.entries(changes)) if (v !== null) lines.splice(lines.length - 1, 0, `${k}=${v}`);
    writeFileSync(envPath(), lines.join('\n'));
  };

  async function setup(...args: string[]) {
    let out = '';
    let err = '';
    const code = await runSetupCommand(args, { env: {}, cwd: dir, out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  async function doctor(...args: string[]) {
    let out = '';
    let err = '';
    const code = await runDoctorCommand(['--json', ...args], {
      env: {},
      cwd: dir,
      out: (t) => (out += t),
      err: (t) => (err += t),
      receiptWaitMs: 1_000,
    });
    const parsed = JSON.parse(out) as { ok: boolean; checks: CheckResult[] };
    const byId = Object.fromEntries(parsed.checks.map((c) => [c.id, c])) as Record<CheckId, CheckResult>;
    return { code, err, ...parsed, byId };
  }

  /** `npm start` in that directory: everything from its .env. */
  async function startServer(): Promise<void> {
    await stopServer();
    const proc = spawn(process.execPath, [mainTs], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (d) => (output += d));
    proc.stderr?.on('data', (d) => (output += d));
    server = { proc, output: () => output };
    await waitFor(
      async () =>
        (await httpStatus(`${publicUrl}/ready`)) === 200
          ? true
          : proc.exitCode !== null
            ? (() => {
                throw new Error(output);
              })()
            : undefined,
      'the server to be ready',
      20_000,
    );
  }

  async function stopServer(): Promise<void> {
    if (!server || server.proc.exitCode !== null) return;
    server.proc.kill('SIGTERM');
    await once(server.proc, 'exit');
    server = undefined;
  }

  /** Another web server on loopback: what a wrong URL leads to. */
  async function otherServer(status: number): Promise<string> {
    const s = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end());
    });
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    extraServers.push(s);
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  }

  it('setup writes .env; the server starts from it; doctor passes (the default models are current ones)', async () => {
    const set = await setup('--url', publicUrl);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toContain('sip:proj_fresh42@sip.api.openai.com');
    expect(envFile()).toMatchObject({ OPENAI_WEBHOOK_SECRET: emu.webhookEndpoints()[0]?.signingSecret, PUBLIC_URL: publicUrl });

    await startServer();
    const doc = await doctor();
    expect(doc.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(doc.code).toBe(0);
    for (const id of ['settings', 'profile', 'store', 'api_key', 'webhook_endpoint', 'public_url', 'signing_secret'] as const)
      expect(doc.byId[id].status).toBe('pass');
    expect(doc.byId.models).toMatchObject({ status: 'pass', message: 'gpt-realtime-2.1, gpt-transcribe: available, none deprecated' });
    expect(doc.byId.public_url.message).toContain(`arrived at Switchboard at ${publicUrl} (HTTP 200)`);
    expect(doc.byId.bandwidth.message).toContain('sip:proj_fresh42@sip.api.openai.com');
    expect(emu.webhookTests().at(-1)).toMatchObject({
      eventType: 'batch.completed',
      status: 200,
      url: `${publicUrl}/webhooks/openai/realtime/call/inbound`,
    });
    // A deprecated model is a warning, which --strict turns into a failure.
    setEnv({ TRANSCRIPTION_MODEL: 'gpt-4o-mini-transcribe' });
    const warned = await doctor('--strict');
    expect(warned.byId.models).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('gpt-4o-mini-transcribe (TRANSCRIPTION_MODEL) is deprecated: OpenAI shuts it down on 2027-02-26'),
    });
    expect(warned.code).toBe(1);
  });

  it('with current models nothing warns, and a real call then goes through the registered webhook', async () => {
    setEnv({ OPENAI_MODEL: 'gpt-realtime-2.1', TRANSCRIPTION_MODEL: 'gpt-transcribe' });
    const doc = await doctor('--strict');
    expect(doc.checks.filter((c) => c.status === 'warn' || c.status === 'fail')).toEqual([]);
    expect(doc.code).toBe(0);

    const call = await emu.placeCall({ steps: [{ say: 'Hello?' }, { hangup: true }] });
    const record = await call.ended;
    expect(record.state).toBe('ended');
    expect(record.accepts[0]?.status).toBe(200);
    expect(record.webhooks[0]?.status).toBe(200);
  });

  it('a second setup changes nothing', async () => {
    const before = readFileSync(envPath(), 'utf8');
    const endpoints = emu.webhookEndpoints();
    const again = await setup('--url', publicUrl);
    expect(again.code).toBe(0);
    expect(readFileSync(envPath(), 'utf8')).toBe(before);
    expect(emu.webhookEndpoints()).toEqual(endpoints);
  });

  it('an endpoint missing the Live event type: step 2, fix: run setup', async () => {
    setEnv({ AGENT_SURFACE: 'live' });
    const doc = await doctor();
    expect(doc.code).toBe(1);
    expect(doc.byId.webhook_endpoint).toMatchObject({
      status: 'fail',
      step: 'step 2 (OpenAI webhook)',
      message: expect.stringContaining('is missing live.transport.incoming (GPT-Live agents: default)'),
      fix: `run \`switchboard setup --url ${publicUrl}\`: it adds the event types the agents need`,
    });
    expect((await setup('--url', publicUrl)).code).toBe(0);
    expect((await doctor()).byId.webhook_endpoint.status).toBe('pass');
    setEnv({ AGENT_SURFACE: null });
    expect((await setup('--url', publicUrl)).code).toBe(0);
    expect(emu.webhookEndpoints()[0]?.event_types).toEqual(['realtime.call.incoming']);
  });

  it('a wrong secret: step 2, fix: setup --rotate, then a restart; after both, doctor passes', async () => {
    // Someone rotated the secret in the OpenAI dashboard, without keeping the old one.
    const client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
    await client.webhooks.rotateSecret(emu.webhookEndpoints()[0]!.id);
    const wrong = await doctor();
    expect(wrong.code).toBe(1);
    expect(wrong.byId.public_url.status).toBe('pass');
    expect(wrong.byId.signing_secret).toMatchObject({
      status: 'fail',
      step: 'step 2 (OpenAI webhook)',
      message: expect.stringContaining("refused the test delivery's signature: OPENAI_WEBHOOK_SECRET is not the secret of endpoint"),
      fix: `run \`switchboard setup --url ${publicUrl} --rotate\`, then restart Switchboard`,
    });

    expect((await setup('--url', publicUrl, '--rotate')).code).toBe(0);
    const stale = await doctor();
    expect(stale.byId.signing_secret).toMatchObject({
      status: 'fail',
      fix: 'restart Switchboard so it reads OPENAI_WEBHOOK_SECRET from .env',
    });

    await startServer();
    const fixed = await doctor();
    expect(fixed.byId.signing_secret.status).toBe('pass');
    expect(fixed.code).toBe(0);
  });

  it('after a rotation the old secret still verifies for 24 hours: a forgotten restart is a warning, not an outage', async () => {
    expect((await setup('--url', publicUrl, '--rotate')).code).toBe(0);
    const doc = await doctor();
    expect(doc.code).toBe(0);
    expect(doc.byId.signing_secret).toMatchObject({
      status: 'warn',
      fix: 'restart Switchboard so it reads the new secret before the old one expires',
    });
    await startServer();
    expect((await doctor()).byId.signing_secret.status).toBe('pass');
  });

  it('a wrong URL: the endpoint is elsewhere (step 2), or the URL leads to another server (step 1)', async () => {
    const elsewhere = await otherServer(404);
    // PUBLIC_URL says one thing, the only endpoint another.
    setEnv({ PUBLIC_URL: elsewhere });
    const moved = await doctor();
    expect(moved.code).toBe(1);
    expect(moved.byId.webhook_endpoint).toMatchObject({
      status: 'fail',
      step: 'step 2 (OpenAI webhook)',
      message: expect.stringContaining(`no webhook endpoint points at ${elsewhere}/webhooks/openai/realtime/call/inbound (whe_`),
      fix: expect.stringContaining(`run \`switchboard setup --url ${elsewhere}\``),
    });
    expect(moved.byId.webhook_endpoint.message).toContain('the wrong URL for this server');

    // Registered there too: OpenAI reaches a server, just not this one.
    expect((await setup('--url', elsewhere)).code).toBe(0);
    const lost = await doctor();
    expect(lost.byId.public_url).toMatchObject({
      status: 'fail',
      step: 'step 1 (public URL)',
      message: expect.stringContaining(`got HTTP 404, but it never arrived at Switchboard at ${publicUrl}: that URL leads somewhere else`),
    });
    expect(lost.byId.public_url.fix).toContain(`make ${elsewhere} forward to this server's port`);
  });

  it('an unreachable URL: step 1, fix: the tunnel', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect((await setup('--url', closed)).code).toBe(0);
    const doc = await doctor();
    expect(doc.code).toBe(1);
    expect(doc.byId.public_url).toMatchObject({
      status: 'fail',
      step: 'step 1 (public URL)',
      message: expect.stringContaining(`OpenAI could not deliver a test event to ${closed}/webhooks/openai/realtime/call/inbound`),
    });
    expect(doc.byId.public_url.fix).toContain('tunnel running');
  });

  it('the server not running: step 1 says so; a wrong API key: the OpenAI checks say so', async () => {
    setEnv({ PUBLIC_URL: publicUrl });
    await stopServer();
    const down = await doctor();
    expect(down.byId.public_url).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`Switchboard is not running at ${publicUrl}`),
    });
    setEnv({ OPENAI_API_KEY: 'sk-wrong-wrong-wrong-wrong' });
    const refused = await doctor();
    expect(refused.byId.api_key).toMatchObject({ status: 'fail', message: expect.stringContaining('OpenAI refused OPENAI_API_KEY (401') });
    expect(refused.byId.models.status).toBe('skip');
    setEnv({ OPENAI_API_KEY: apiKey });
  });

  it('prints one line per check with the step and the fix', async () => {
    let out = '';
    const code = await runDoctorCommand([], { env: {}, cwd: dir, out: (t) => (out += t), err: () => {}, receiptWaitMs: 500 });
    expect(code).toBe(1);
    expect(out).toMatch(/^ {2}FAIL {2}Public URL reaches this server {2}step 1 \(public URL\): Switchboard is not running at/m);
    expect(out).toMatch(/^ +fix: start Switchboard \(npm start\)/m);
    expect(out).toMatch(/\d checks? failed/);
  });
});
