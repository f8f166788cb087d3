import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leastWorkTs, ServerProcess } from '../bench/server-process.ts';
import { StandIn } from '../bench/stand-in.ts';
import { makeThrowawayCert, type ThrowawayCert } from '../src/testing/throwaway-cert.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The bench's least-work reference must do the whole call flow the stand-in checks, over real sockets,
// or the ratios to it mean nothing.
describe('least-work reference server', () => {
  let cert: ThrowawayCert;
  let standIn: StandIn;
  let server: ServerProcess;
  const started: ServerProcess[] = [];

  beforeAll(async () => {
    cert = makeThrowawayCert();
    const apiKey = `sk-test-${randomBytes(8).toString('hex')}`;
    const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
    standIn = new StandIn({ key: cert.key, cert: cert.cert, apiKey, webhookSecret, serviceDelayMs: 5, rttMs: 0, h2: true });
    const baseURL = await standIn.start();
    server = await ServerProcess.start({
      entry: leastWorkTs,
      pin: [],
      env: {
        OPENAI_API_KEY: apiKey,
        OPENAI_WEBHOOK_SECRET: webhookSecret,
        OPENAI_BASE_URL: baseURL,
        REFER_TO: '+19195554321',
        NODE_EXTRA_CA_CERTS: cert.caPath,
      },
      nodeArgs: ['--expose-gc'],
      logFile: `${cert.dir}/least-work.log`,
      cwd: cert.dir,
      readyTimeoutMs: 30_000,
    });
    started.push(server);
    standIn.setWebhookUrl(server.webhookUrl);
  }, 60_000);

  afterAll(async () => {
    for (const s of started) await s.stop(); // no-op for the ones a test stopped
    await standIn?.close();
    cert?.remove();
  });

  it('accepts each call once, opens its control socket, greets, REFERs to the Contact host, and forgets it on hang-up', async () => {
    standIn.resetWindow();
    const answered = await standIn.answerBurst(3, 200);
    expect(answered).toMatchObject({ calls: 3, failed: 0, duplicateAccepts: 0, controlSocketsOpened: 3 });
    await server.waitIdle(10_000); // the callers hung up 200 ms after their sockets opened
    expect(standIn.report().clientMessages).toBe(3); // one response.create each

    standIn.resetWindow();
    expect(await standIn.holdLive(2, 100, 10)).toBe(2);
    standIn.transfers(20);
    for (let i = 0; i < 100 && standIn.report().transfers === 0; i++) await sleep(50);
    standIn.transfers(0);
    const w = standIn.report();
    expect(w.transfers).toBeGreaterThan(0);
    expect(w.referTargets[0]).toBe('sip:+19195554321@67.231.5.176:5061'); // the INVITE's Contact host
    expect(w.failures).toEqual([]);

    expect(await standIn.hangupAll()).toBe(0);
    await server.waitIdle(10_000);
    const s = await server.stats({ gc: true, reset: true });
    expect(s.liveCalls).toBe(0);
    expect(s.gcRan).toBe(true);
    expect(await server.stop()).toBe(0);
  }, 60_000);

  it('answers 400 to a webhook whose signature does not verify, and accepts nothing', async () => {
    const other = await ServerProcess.start({
      entry: leastWorkTs,
      pin: [],
      env: {
        OPENAI_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
        OPENAI_BASE_URL: standIn.baseURL,
        NODE_EXTRA_CA_CERTS: cert.caPath,
      },
      nodeArgs: [],
      logFile: `${cert.dir}/least-work-2.log`,
      cwd: cert.dir,
      readyTimeoutMs: 30_000,
    });
    started.push(other);
    standIn.setWebhookUrl(other.webhookUrl);
    const r = await standIn.answerBurst(1, 100);
    expect(r.failed).toBe(1);
    expect(r.failures[0]).toMatch(/webhook answered 400/);
    expect(r.controlSocketsOpened).toBe(0);
    expect(await other.stop()).toBe(0);
  }, 60_000);
});
