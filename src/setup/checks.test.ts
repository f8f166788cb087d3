// The checks against the emulator, with the server's side played by a local receiver and
// an in-memory delivery log.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../config/config.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { DeliveryLog } from '../inbound/delivery-log.ts';
import { webhookPath } from '../inbound/webhook-route.ts';
import { type CheckDeps, type CheckId, type CheckResult, type ReceiptSource, ReceiptsUnavailable, runChecks } from './checks.ts';
import { secretFingerprint } from './secret-hint.ts';

const apiKey = 'sk-checks-test-0123456789';

describe('set-up checks', () => {
  let emu: Emulator;
  let client: OpenAI;
  let receiver: http.Server;
  let base: string;
  let log: DeliveryLog;
  let secret: string;

  beforeEach(async () => {
    emu = await startEmulator({
      apiKey,
      webhookSecret: `whsec_${Buffer.from('unused-unused-unused-unused-0000').toString('base64')}`,
      logger: false,
      webhookTestRequiresSubscription: true,
    });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
    log = new DeliveryLog();
    // Plays the server: verifies with `secret`, notes the delivery, answers like the webhook route.
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        try {
          const event = await client.webhooks.unwrap(body, headers, secret);
          log.record({ webhookId: headers['webhook-id'] ?? null, eventType: event.type, verified: true, refusal: null, secret: 'current' });
          res.writeHead(200).end();
        } catch {
          log.record({ webhookId: headers['webhook-id'] ?? null, eventType: null, verified: false, refusal: 'signature', secret: null });
          res.writeHead(400).end();
        }
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const endpoint = await client.webhooks.create({
      name: 'Switchboard',
      url: `${base}${webhookPath}`,
      event_types: ['realtime.call.incoming'],
    });
    secret = endpoint.signing_secret;
  });
  afterEach(async () => {
    receiver.close();
    await emu.close();
  });

  const receipts = (): ReceiptSource => ({
    describe: 'this server',
    mark: async () => ({ seq: log.lastSeq, secrets: { current: await secretFingerprint(secret), previous: null } }),
    since: async (seq) => log.since(seq),
  });

  async function run(env: Env = {}, more: Partial<CheckDeps> = {}): Promise<Record<CheckId, CheckResult>> {
    const results = await runChecks({
      env: {
        OPENAI_API_KEY: apiKey,
        OPENAI_BASE_URL: emu.baseURL,
        OPENAI_WEBHOOK_SECRET: secret,
        PUBLIC_URL: base,
        OPENAI_MODEL: 'gpt-realtime-2.1',
        TRANSCRIPTION_MODEL: 'gpt-transcribe',
        ...env,
      },
      cwd: '/nonexistent',
      client,
      receipts: receipts(),
      probeStore: async () => 'the test store',
      settingsProblems: () => [],
      receiptWaitMs: 300,
      ...more,
    });
    return Object.fromEntries(results.map((r) => [r.id, r])) as Record<CheckId, CheckResult>;
  }

  it('all pass; where OpenAI tests only subscribed types, the test falls back to realtime.call.incoming', async () => {
    const r = await run();
    expect(Object.values(r).filter((c) => c.status !== 'pass' && c.status !== 'info')).toEqual([]);
    expect(emu.webhookTests().map((t) => [t.eventType, t.status])).toEqual([['realtime.call.incoming', 200]]);
  });

  it('a model that does not exist fails, naming the setting and a current model', async () => {
    const r = await run({ OPENAI_MODEL: 'gpt-nope' });
    expect(r.models).toMatchObject({
      status: 'fail',
      message: 'gpt-nope (OPENAI_MODEL) does not exist for this key',
      fix: "set OPENAI_MODEL to a current model such as gpt-realtime-2.1 (OpenAI's deprecations page lists the replacements)",
    });
  });

  it('without PUBLIC_URL: the endpoint check says to run setup; the delivery checks are skipped', async () => {
    const r = await run({ PUBLIC_URL: undefined });
    expect(r.webhook_endpoint).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('switchboard setup --url https://your-public-host'),
    });
    expect([r.public_url.status, r.signing_secret.status]).toEqual(['skip', 'skip']);
    expect(emu.webhookTests()).toEqual([]);
  });

  it('when the server cannot be asked: the test status decides, and the secret is judged by the endpoint hint', async () => {
    const noApi: ReceiptSource = {
      describe: 'Switchboard',
      mark: async () => {
        throw new ReceiptsUnavailable('no_api', 'API_TOKEN is not set', 'set API_TOKEN');
      },
      since: async () => [],
    };
    const ok = await run({}, { receipts: noApi });
    expect(ok.public_url).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('got HTTP 200, but doctor cannot see whether this server got it (API_TOKEN is not set)'),
      fix: 'set API_TOKEN',
    });
    const wrong = `whsec_${Buffer.from('wrong-wrong-wrong-wrong-wrong-00').toString('base64')}`;
    const bad = await run({ OPENAI_WEBHOOK_SECRET: wrong }, { receipts: { ...noApi, describe: 'x' } });
    expect(bad.signing_secret).toMatchObject({ status: 'fail', message: expect.stringContaining('does not match the hint of endpoint') });
    secret = wrong; // now the "server" has the wrong one too
    const refused = await run({ OPENAI_WEBHOOK_SECRET: wrong }, { receipts: noApi });
    expect(refused.public_url.status).toBe('fail');
    expect(refused.signing_secret).toMatchObject({ status: 'fail', message: expect.stringContaining('HTTP 400') });
  });
});
