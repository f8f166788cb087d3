// Secret rotation on the server side: the previous secret is accepted until it expires, and
// every delivery (verified or refused) is noted for the set-up checks.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../config/config.ts';
import { signWebhook } from '../emulator/index.ts';
import { buildSwitchboard } from '../server/build-switchboard.ts';
import { secretFingerprint } from '../setup/secret-hint.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { webhookPath } from './webhook-route.ts';

const current = `whsec_${Buffer.from('current-secret-current-secret-00').toString('base64')}`;
const previous = `whsec_${Buffer.from('previous-secret-previous-secret0').toString('base64')}`;
const token = 'setup-test-token-0123456789';

async function app(env: Env = {}) {
  const config = loadConfig({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_WEBHOOK_SECRET: current,
    REFER_TO: '+19195554321',
    API_TOKEN: token,
    ...env,
  });
  const control = new RecordingCallControl();
  const server = await buildSwitchboard(config, {
    log: pino({ level: 'silent' }),
    store: null,
    control,
    transport: new FakeControlTransport(),
  });
  return { server, accepts: control.accepts };
}

const body = (type: string, callId = 'rtc_1') =>
  JSON.stringify({ object: 'event', id: 'evt_1', type, created_at: 1, data: { call_id: callId, sip_headers: [] } });

function post(server: Awaited<ReturnType<typeof app>>['server'], payload: string, key: string, id = 'msg_1') {
  const at = Math.floor(Date.now() / 1000);
  return server.app.inject({
    method: 'POST',
    url: webhookPath,
    payload,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': signWebhook(key, id, at, payload),
    },
  });
}

describe('webhook secrets across a rotation', () => {
  it('accepts the previous secret while OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL is ahead', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const { server, accepts } = await app({ OPENAI_WEBHOOK_SECRET_PREVIOUS: previous, OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: until });
    expect((await post(server, body('realtime.call.incoming', 'rtc_old'), previous)).statusCode).toBe(200);
    expect((await post(server, body('realtime.call.incoming', 'rtc_new'), current, 'msg_2')).statusCode).toBe(200);
    expect(accepts).toEqual(['rtc_old', 'rtc_new']);
    for (const id of accepts) await server.liveCalls.get(id)?.hangup('operator_hangup');
  });

  it('refuses it once expired, and any other secret always', async () => {
    const until = new Date(Date.now() - 1_000).toISOString();
    const { server, accepts } = await app({ OPENAI_WEBHOOK_SECRET_PREVIOUS: previous, OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: until });
    expect((await post(server, body('realtime.call.incoming'), previous)).statusCode).toBe(400);
    const other = `whsec_${Buffer.from('some-other-secret-some-other-sec').toString('base64')}`;
    expect((await post(server, body('realtime.call.incoming'), other, 'msg_2')).statusCode).toBe(400);
    expect(accepts).toEqual([]);
  });

  it('notes every delivery for the checks: GET /api/setup/deliveries (token only) says what arrived and with which secret', async () => {
    const { server } = await app({ OPENAI_WEBHOOK_SECRET_PREVIOUS: previous });
    const auth = { authorization: `Bearer ${token}` };
    expect((await server.app.inject({ method: 'GET', url: '/api/setup/deliveries' })).statusCode).toBe(401);
    const empty = (await server.app.inject({ method: 'GET', url: '/api/setup/deliveries', headers: auth })).json();
    expect(empty).toEqual({
      lastSeq: 0,
      deliveries: [],
      secrets: { current: await secretFingerprint(current), previous: await secretFingerprint(previous) },
    });

    await post(server, body('batch.completed'), current, 'msg_a');
    await post(server, body('batch.completed'), previous, 'msg_b');
    await post(server, body('batch.completed'), `whsec_${Buffer.from('wrong-wrong-wrong-wrong-wrong-00').toString('base64')}`, 'msg_c');
    const all = (await server.app.inject({ method: 'GET', url: '/api/setup/deliveries?after=0', headers: auth })).json();
    expect(all.lastSeq).toBe(3);
    expect(all.deliveries.map((d: Record<string, unknown>) => [d.seq, d.webhookId, d.eventType, d.verified, d.refusal, d.secret])).toEqual([
      [1, 'msg_a', 'batch.completed', true, null, 'current'],
      [2, 'msg_b', 'batch.completed', true, null, 'previous'],
      [3, 'msg_c', null, false, 'signature', null],
    ]);
    const after = (await server.app.inject({ method: 'GET', url: '/api/setup/deliveries?after=2', headers: auth })).json();
    expect(after.deliveries.map((d: { seq: number }) => d.seq)).toEqual([3]);
    expect((await server.app.inject({ method: 'GET', url: '/api/setup/deliveries?after=x', headers: auth })).statusCode).toBe(400);
  });
});
