import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { LiveTransportIncomingWebhookEvent, RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

interface Received {
  headers: http.IncomingHttpHeaders;
  verified: boolean;
  error?: string;
  event?: RealtimeCallIncomingWebhookEvent | LiveTransportIncomingWebhookEvent;
}

/** A receiver that verifies each delivery with the SDK; `answers` sets the status per request (default 200 if verified). */
async function startReceiver(answers: (number | 'hang')[] = []) {
  const verifier = new OpenAI({ apiKey: 'x', webhookSecret });
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const entry: Received = { headers: req.headers, verified: false };
    received.push(entry);
    try {
      const event = await verifier.webhooks.unwrap(raw, req.headers as Record<string, string>);
      if (event.type === 'realtime.call.incoming' || event.type === 'live.transport.incoming') entry.event = event;
      entry.verified = true;
    } catch (err) {
      entry.error = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
    }
    const answer = answers.shift();
    if (answer === 'hang') return; // never answers: the sender's timeout must fire
    res.writeHead(answer ?? (entry.verified ? 200 : 400)).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/openai/realtime/call/inbound`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('webhooks', () => {
  let emu: Emulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, webhookRetryDelaysMs: [20, 40], webhookTimeoutMs: 1000 });
  });
  afterEach(async () => {
    await emu.close();
    await receiver?.close();
  });

  it('delivers realtime.call.incoming signed so that client.webhooks.unwrap accepts it', async () => {
    receiver = await startReceiver();
    emu.setWebhookUrl(receiver.url);
    const placed = await emu.placeCall({ from: '+19195551234', to: '+19195550000', ringTimeoutMs: 60_000 });
    expect(await placed.delivered).toMatchObject({ status: 200, attempts: 1 });
    const [first] = receiver.received;
    expect(first?.verified).toBe(true);
    expect(first?.headers['webhook-id']).toBe(placed.webhookId);
    const event = first?.event;
    expect(event).toMatchObject({
      object: 'event',
      type: 'realtime.call.incoming',
      data: { call_id: placed.id, sip_media_security: 'srtp' },
    });
    expect(event?.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event?.type === 'realtime.call.incoming' ? event.data.call_id : undefined).toMatch(/^rtc_[0-9a-f]{32}$/);
    const names = event?.data.sip_headers.map((h) => h.name);
    expect(names).toEqual(expect.arrayContaining(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Allow']));
    const from = event?.data.sip_headers.find((h) => h.name === 'From')?.value;
    expect(from).toMatch(/^"\+19195551234" <sip:\+19195551234@67\.231\.5\.176;user=phone>;tag=/);
    expect(event?.data.sip_headers.find((h) => h.name === 'Contact')?.value).toBe('<sip:+19195551234@67.231.5.176:5061;transport=tls>');
    expect(placed.record.webhooks[0]).toMatchObject({ attempt: 1, status: 200, webhookId: placed.webhookId });
  });

  it('retries a 500 with the same webhook-id until a 2xx, then stops', async () => {
    receiver = await startReceiver([500, 503]);
    emu.setWebhookUrl(receiver.url);
    const placed = await emu.placeCall({ ringTimeoutMs: 60_000 });
    expect(await placed.delivered).toMatchObject({ status: 200, attempts: 3 });
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([placed.webhookId, placed.webhookId, placed.webhookId]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(placed.record.webhooks.map((w) => [w.attempt, w.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    expect(emu.timeline(placed.id)).toContain('(3 attempts)');
  });

  it('counts no answer within the timeout as a failed attempt and gives up after the last delay', async () => {
    receiver = await startReceiver(['hang', 500, 500]);
    emu.setWebhookUrl(receiver.url);
    const placed = await emu.placeCall({ ringTimeoutMs: 60_000 });
    expect(await placed.delivered).toMatchObject({ status: 500, attempts: 3 });
    expect(placed.record.webhooks[0]).toMatchObject({ status: null, error: 'no answer within 1000 ms' });
    expect(placed.record.issues.map((i) => i.message)).toContainEqual(expect.stringContaining('not acknowledged after 3 attempts'));
  });

  it.each(['body', 'signature', 'stale', 'future', 'missing-headers', 'wrong-secret'] as const)(
    'tamper mode %s fails verification',
    async (tamper) => {
      receiver = await startReceiver();
      emu.setWebhookUrl(receiver.url);
      const call = emu.createCall({ ringTimeoutMs: 60_000 });
      const result = await emu.deliverWebhook(call.id, { tamper });
      expect(result.status).toBe(400);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]?.verified).toBe(false);
      expect(call.record.webhooks[0]).toMatchObject({ tamper, status: 400 });
    },
  );

  it('sends N concurrent copies with the same webhook-id (duplicates)', async () => {
    receiver = await startReceiver();
    emu.setWebhookUrl(receiver.url);
    const placed = await emu.placeCall({ ringTimeoutMs: 60_000 }, { duplicates: 3 });
    await placed.delivered;
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([placed.webhookId, placed.webhookId, placed.webhookId]);
    expect(placed.record.webhooks.map((w) => w.copy).sort()).toEqual([1, 2, 3]);
  });

  it('delivers once per call with other webhook-ids on demand', async () => {
    receiver = await startReceiver([500]);
    emu.setWebhookUrl(receiver.url);
    const call = emu.createCall({ ringTimeoutMs: 60_000 });
    expect(await emu.deliverWebhook(call.id, { webhookId: 'wh_other' })).toMatchObject({ status: 500 });
    expect(await emu.deliverWebhook(call.id, { webhookId: 'wh_other2' })).toMatchObject({ status: 200 });
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(['wh_other', 'wh_other2']);
    expect(receiver.received.map((r) => (r.event?.type === 'realtime.call.incoming' ? r.event.data.call_id : undefined))).toEqual([
      call.id,
      call.id,
    ]);
  });

  it('needs a webhook URL to place a call', async () => {
    await expect(emu.placeCall()).rejects.toThrow(/no webhook URL/);
  });

  it('sends both webhooks for one SIP call, each its own event and webhook-id, with the same INVITE headers', async () => {
    receiver = await startReceiver();
    emu.setWebhookUrl(receiver.url);
    const placed = await emu.placeCall({ webhooks: ['live', 'realtime'], ringTimeoutMs: 200 });
    await placed.delivered;
    expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);
    const live = receiver.received.find((r) => r.event?.type === 'live.transport.incoming')?.event;
    const realtime = receiver.received.find((r) => r.event?.type === 'realtime.call.incoming')?.event;
    if (live?.type !== 'live.transport.incoming' || realtime?.type !== 'realtime.call.incoming')
      throw new Error('expected both event types');
    expect(live.data).toMatchObject({ session_id: placed.liveSessionId, type: 'sip', sip_media_security: 'srtp' });
    expect(realtime.data.call_id).toBe(placed.id);
    expect(live.data.sip_headers).toEqual(realtime.data.sip_headers);
    expect(live.id).not.toBe(realtime.id);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([placed.webhookId, placed.liveWebhookId]));
    expect(emu.call(placed.liveSessionId)).toBe(emu.call(placed.id));
  });
});
