import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../emulator/index.ts';
import { checkSignature, type IncomingHeaders, verifyWebhook } from './verify-webhook.ts';

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

describe('verifyWebhook', () => {
  it('accepts a valid signature and parses the event', async () => {
    const verdict = verifyWebhook(body, headers(), secret);
    expect(verdict).toMatchObject({ ok: true, event: { type: 'realtime.call.incoming', data: { call_id: 'rtc_1' } } });
  });

  it('accepts when any of several signatures matches (secret rotation)', async () => {
    const both = `${signWebhook(other, 'msg_1', now, body)} ${signWebhook(secret, 'msg_1', now, body)}`;
    expect(verifyWebhook(body, headers({ signature: both }), secret).ok).toBe(true);
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
    const verdict = verifyWebhook(payload, h, secret);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('tells a signed but malformed body from a bad signature', async () => {
    const broken = '{"type": ';
    const verdict = await verifyWebhook(
      broken,
      { 'webhook-id': 'm', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, 'm', now, broken) },
      secret,
    );
    expect(verdict).toEqual({ ok: false, reason: 'body', message: 'body is not valid JSON' });
  });
});

describe('checkSignature gives the SDK’s verdicts (webhooks.verifySignature)', () => {
  const sig = (s: string, id = 'msg_1', at = now, b = body) => signWebhook(s, id, at, b);
  const valid = sig(secret);
  const raw = `v1,${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const cases: Array<[string, string, IncomingHeaders, string]> = [
    ['valid', body, headers(), secret],
    ['valid, second of two', body, headers({ signature: `${sig(other)} ${valid}` }), secret],
    ['valid, first of two', body, headers({ signature: `${valid} ${sig(other)}` }), secret],
    ['valid without the v1, prefix', body, headers({ signature: valid.slice(3) }), secret],
    ['a v1a, signature', body, headers({ signature: `v1a,${valid.slice(3)}` }), secret],
    ['a tampered body', `${body} `, headers(), secret],
    ['another secret', body, headers(), other],
    ['a raw (not whsec_) secret', body, headers({ signature: sig('plain-secret') }), 'plain-secret'],
    ['a short signature', body, headers({ signature: 'v1,AAAA' }), secret],
    ['not base64', body, headers({ signature: 'v1,!!!!' }), secret],
    ['a right-length wrong signature', body, headers({ signature: raw }), secret],
    ['an empty signature header', body, headers({ signature: '' }), secret],
    ['another webhook-id', body, headers({ id: 'msg_2' }), secret],
    ['an hour old', body, headers({ at: now - 3600, signature: sig(secret, 'msg_1', now - 3600) }), secret],
    ['an hour ahead', body, headers({ at: now + 3600, signature: sig(secret, 'msg_1', now + 3600) }), secret],
    ['a timestamp with a suffix', body, { ...headers(), 'webhook-timestamp': `${now}x` }, secret],
    ['a timestamp that is not a number', body, { ...headers(), 'webhook-timestamp': 'soon' }, secret],
    [
      'non-ASCII in the body',
      body.replace('evt_1', 'évt_☎'),
      headers({ signature: sig(secret, 'msg_1', now, body.replace('evt_1', 'évt_☎')) }),
      secret,
    ],
  ];
  it.each(cases)('%s', async (_name, payload, h, key) => {
    const plain = Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const sdk = await client.webhooks.verifySignature(payload, plain, key, 300).then(
      () => true,
      () => false,
    );
    expect(checkSignature(payload, h, key, Date.now()) === null).toBe(sdk);
  });

  it('tells which header is missing, as the SDK does', () => {
    expect(checkSignature(body, headers({ signature: null }), secret, Date.now())).toBe('Missing required header: webhook-signature');
    expect(checkSignature(body, headers({ id: null }), secret, Date.now())).toBe('Missing required header: webhook-id');
  });
});
