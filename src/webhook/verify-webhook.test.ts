import { createHmac } from 'node:crypto';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createWebhookVerifier, type IncomingHeaders } from './verify-webhook.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const other = `whsec_${Buffer.from('another-secret-another-secret-xx').toString('base64')}`;
const now = Math.floor(Date.now() / 1000);
const body = JSON.stringify({ object: 'event', id: 'evt_1', type: 'realtime.call.incoming', created_at: now, data: { call_id: 'rtc_1', sip_headers: [] } });
const sig = (key: string, id: string, at: string | number, payload: string) => {
  const k = key.startsWith('whsec_') ? Buffer.from(key.slice(6), 'base64') : Buffer.from(key);
  return createHmac('sha256', k).update(`${id}.${at}.${payload}`).digest('base64');
};
const headers = (over: Partial<Record<'id' | 'at' | 'sig', string | undefined>> = {}): IncomingHeaders => {
  const id = 'id' in over ? over.id : 'msg_1';
  const at = 'at' in over ? over.at : String(now);
  const h: IncomingHeaders = {};
  if (id !== undefined) h['webhook-id'] = id;
  if (at !== undefined) h['webhook-timestamp'] = at;
  const s = 'sig' in over ? over.sig : `v1,${sig(secret, id ?? '', at ?? '', body)}`;
  if (s !== undefined) h['webhook-signature'] = s;
  return h;
};

// Every case is also put to the SDK's webhooks.unwrap: same verdict, same message.
const cases: Array<[string, IncomingHeaders, string]> = [
  ['a valid signature', headers(), body],
  ['a tampered body', headers(), body.replace('rtc_1', 'rtc_2')],
  ['another secret', headers({ sig: `v1,${sig(other, 'msg_1', now, body)}` }), body],
  ['the right one among several', headers({ sig: `v1,${sig(other, 'msg_1', now, body)} v1,${sig(secret, 'msg_1', now, body)}` }), body],
  ['no version prefix', headers({ sig: sig(secret, 'msg_1', now, body) }), body],
  ['invalid base64', headers({ sig: 'v1,!!!!' }), body],
  ['a short signature', headers({ sig: 'v1,AAAA' }), body],
  ['a stale timestamp', headers({ at: String(now - 301), sig: `v1,${sig(secret, 'msg_1', now - 301, body)}` }), body],
  ['a future timestamp', headers({ at: String(now + 301), sig: `v1,${sig(secret, 'msg_1', now + 301, body)}` }), body],
  ['a timestamp just inside the window', headers({ at: String(now - 299), sig: `v1,${sig(secret, 'msg_1', now - 299, body)}` }), body],
  ['a non-numeric timestamp', headers({ at: 'soon' }), body],
  ['no signature header', headers({ sig: undefined }), body],
  ['no timestamp header', headers({ at: undefined }), body],
  ['no id header', headers({ id: undefined }), body],
  ['a signed body that is not JSON', headers({ sig: `v1,${sig(secret, 'msg_1', now, 'not json')}` }), 'not json'],
];

describe('webhook verification (node:crypto), held to the SDK', () => {
  const verify = createWebhookVerifier(secret);
  const sdk = new OpenAI({ apiKey: 'sk-test', webhookSecret: secret });

  it.each(cases)('%s', async (_name, h, payload) => {
    const ours = verify(payload, h, now);
    const theirs = await sdk.webhooks.unwrap(payload, h as Record<string, string>, secret).then(
      (event) => ({ ok: true as const, event }),
      (err: Error) => ({ ok: false as const, reason: err instanceof SyntaxError ? 'body' : 'signature', message: err.message }),
    );
    expect(ours.ok).toBe(theirs.ok);
    if (ours.ok && theirs.ok) expect(ours.event).toEqual(theirs.event);
    if (!ours.ok && !theirs.ok) {
      expect(ours.reason).toBe(theirs.reason);
      if (ours.reason === 'signature') expect(ours.message).toBe(theirs.message);
    }
  });

  it('treats a secret without the whsec_ prefix as raw bytes, like the SDK', async () => {
    const raw = 'plain-text-secret';
    const h = headers({ sig: `v1,${sig(raw, 'msg_1', now, body)}` });
    expect(createWebhookVerifier(raw)(body, h, now).ok).toBe(true);
    await expect(new OpenAI({ apiKey: 'k' }).webhooks.unwrap(body, h as Record<string, string>, raw)).resolves.toBeTruthy();
  });
});
