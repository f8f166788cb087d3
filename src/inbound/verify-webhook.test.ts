import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../emulator/index.ts';
import { type IncomingHeaders, verifyWebhook } from './verify-webhook.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const other = `whsec_${Buffer.from('another-secret-another-secret-xx').toString('base64')}`;
const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' });
const now = Math.floor(Date.now() / 1000);
const body = JSON.stringify({
  object: 'event',
  id: 'evt_1',
  type: 'realtime.call.incoming',
  created_at: now,
  data: { call_id: 'rtc_1', sip_headers: [] },
});

function headers(opts: { id?: string | null; at?: number | null; signature?: string | null } = {}): IncomingHeaders {
  const id = opts.id === undefined ? 'msg_1' : opts.id;
  const at = opts.at === undefined ? now : opts.at;
  const h: IncomingHeaders = {};
  if (id !== null) h['webhook-id'] = id;
  if (at !== null) h['webhook-timestamp'] = String(at);
  const signature = opts.signature === undefined ? signWebhook(secret, id ?? '', at ?? 0, body) : opts.signature;
  if (signature !== null) h['webhook-signature'] = signature;
  return h;
}

describe('verifyWebhook (the SDK’s webhooks.unwrap)', () => {
  it('accepts a valid signature and parses the event', async () => {
    const verdict = await verifyWebhook(client, body, headers(), secret);
    expect(verdict).toMatchObject({ ok: true, event: { type: 'realtime.call.incoming', data: { call_id: 'rtc_1' } } });
  });

  it('accepts when any of several signatures matches (secret rotation)', async () => {
    const both = `${signWebhook(other, 'msg_1', now, body)} ${signWebhook(secret, 'msg_1', now, body)}`;
    expect((await verifyWebhook(client, body, headers({ signature: both }), secret)).ok).toBe(true);
  });

  it.each([
    ['a tampered body', body.replace('rtc_1', 'rtc_2'), headers()],
    ['another secret', body, headers({ signature: signWebhook(other, 'msg_1', now, body) })],
    ['a stale timestamp', body, headers({ at: now - 3600, signature: signWebhook(secret, 'msg_1', now - 3600, body) })],
    ['a future timestamp', body, headers({ at: now + 3600, signature: signWebhook(secret, 'msg_1', now + 3600, body) })],
    ['no signature header', body, headers({ signature: null })],
    ['no timestamp header', body, headers({ at: null })],
    ['no id header', body, headers({ id: null })],
  ])('refuses %s as a signature problem', async (_name, payload, h) => {
    const verdict = await verifyWebhook(client, payload, h, secret);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('tells a signed but malformed body from a bad signature', async () => {
    const broken = '{"type": ';
    const verdict = await verifyWebhook(
      client,
      broken,
      { 'webhook-id': 'm', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, 'm', now, broken) },
      secret,
    );
    expect(verdict).toEqual({ ok: false, reason: 'body', message: 'body is not valid JSON' });
  });
});
