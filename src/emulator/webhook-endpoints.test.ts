import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { WebhookCreateParams } from 'openai/resources/webhooks/webhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
// The SDK's event_types union omits GPT-Live's event type, which OpenAI accepts for projects with GPT-Live SIP.
const liveIncoming = 'live.transport.incoming' as WebhookCreateParams['event_types'][number];

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that answers `status` and keeps what it got. */
async function startReceiver(status = 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/openai/realtime/call/inbound`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('webhook endpoints API (client.webhooks.*)', () => {
  let emu: Emulator;
  let client: OpenAI;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, projectId: 'proj_test123' });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(async () => {
    await emu.close();
    await receiver?.close();
    receiver = undefined;
  });

  it('creates an endpoint and returns its secret once; list, retrieve and the hint never show it', async () => {
    const created = await client.webhooks.create({
      name: 'Switchboard',
      url: 'https://example.com/webhooks/openai/realtime/call/inbound',
      event_types: ['realtime.call.incoming'],
    });
    expect(created).toMatchObject({ object: 'webhook_endpoint', name: 'Switchboard', event_types: ['realtime.call.incoming'] });
    expect(created.id).toMatch(/^whe_/);
    expect(created.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created.updated_at).toBe(created.created_at);

    const listed = [];
    for await (const endpoint of client.webhooks.list()) listed.push(endpoint);
    expect(listed.map((e) => e.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.signing_secret);
    const retrieved = await client.webhooks.retrieve(created.id);
    expect(retrieved).not.toHaveProperty('signing_secret');
    expect(retrieved.signing_secret_hint).toMatch(/^whsec_.{3}….{4}$/);
    expect(created.signing_secret.endsWith(retrieved.signing_secret_hint!.slice(-4))).toBe(true);
  });

  it('lists newest first and pages with after/limit', async () => {
    const ids = [];
    for (const n of [1, 2, 3])
      ids.push((await client.webhooks.create({ name: `e${n}`, url: `https://h${n}.example.com/x`, event_types: ['batch.completed'] })).id);
    const first = await client.webhooks.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const all = [];
    for await (const e of client.webhooks.list({ limit: 1 })) all.push(e.id);
    expect(all).toEqual([...ids].reverse());
  });

  it('updates; an unchanged update leaves updated_at alone', async () => {
    const created = await client.webhooks.create({ name: 'a', url: 'https://a.example.com/x', event_types: ['realtime.call.incoming'] });
    const same = await client.webhooks.update(created.id, { event_types: ['realtime.call.incoming'] });
    expect(same.updated_at).toBe(created.updated_at);
    const moved = await client.webhooks.update(created.id, {
      url: 'https://b.example.com/x',
      event_types: ['realtime.call.incoming', liveIncoming],
    });
    expect(moved).toMatchObject({ url: 'https://b.example.com/x', event_types: ['realtime.call.incoming', liveIncoming], name: 'a' });
  });

  it('deletes; a deleted or unknown endpoint is a 404', async () => {
    const created = await client.webhooks.create({ name: 'a', url: 'https://a.example.com/x', event_types: ['batch.completed'] });
    expect(await client.webhooks.delete(created.id)).toEqual({ id: created.id, deleted: true, object: 'webhook_endpoint.deleted' });
    const err = await apiError(client.webhooks.retrieve(created.id));
    expect(err.status).toBe(404);
    expect(err.code).toBe('webhook_endpoint_not_found');
  });

  it('lists the event types the project can use: GPT-Live only where GPT-Live SIP is on', async () => {
    const types = await client.webhooks.eventTypes.list();
    expect(types.object).toBe('list');
    expect(types.data).toContain('realtime.call.incoming');
    expect(types.data).toContain('live.transport.incoming');
    expect(types.data).not.toContain('live.call.incoming');

    const noLive = await startEmulator({ apiKey, webhookSecret, logger: false, liveSip: false });
    try {
      const other = new OpenAI({ apiKey, baseURL: noLive.baseURL, maxRetries: 0 });
      expect((await other.webhooks.eventTypes.list()).data).not.toContain('live.transport.incoming');
      const err = await apiError(
        other.webhooks.create({ name: 'a', url: 'https://a.example.com/x', event_types: ['realtime.call.incoming', liveIncoming] }),
      );
      expect(err.status).toBe(400);
      expect(err.param).toBe('event_types[1]');
    } finally {
      await noLive.close();
    }
  });

  it('refuses what OpenAI refuses: plain http, unknown event types, unknown parameters, a missing name, a bad key', async () => {
    const ok = { name: 'a', url: 'https://a.example.com/x', event_types: ['realtime.call.incoming'] } satisfies WebhookCreateParams;
    expect((await apiError(client.webhooks.create({ ...ok, url: 'http://a.example.com/x' }))).param).toBe('url');
    expect((await apiError(client.webhooks.create({ ...ok, event_types: ['call.incoming' as 'batch.completed'] }))).param).toBe(
      'event_types[0]',
    );
    expect((await apiError(client.webhooks.create({ ...ok, event_types: [] }))).param).toBe('event_types');
    expect((await apiError(client.webhooks.create({ ...ok, secret: 'x' } as WebhookCreateParams))).code).toBe('unknown_parameter');
    expect((await apiError(client.webhooks.create({ url: ok.url, event_types: ok.event_types } as WebhookCreateParams))).code).toBe(
      'missing_required_parameter',
    );
    const wrongKey = new OpenAI({ apiKey: 'sk-wrong-wrong-wrong', baseURL: emu.baseURL, maxRetries: 0 });
    expect((await apiError(wrongKey.webhooks.list())).status).toBe(401);
    expect(emu.webhookEndpoints()).toHaveLength(0);
  });

  it('sends the openai-project header', async () => {
    const { response } = await client.webhooks.eventTypes.list().withResponse();
    expect(response.headers.get('openai-project')).toBe('proj_test123');
  });

  it('test() delivers a signed sample event to the URL and reports the status the endpoint answered', async () => {
    receiver = await startReceiver(200);
    const created = await client.webhooks.create({ name: 'a', url: receiver.url, event_types: ['realtime.call.incoming'] });
    const result = await client.webhooks.test(created.id, { event_type: 'batch.completed' });
    expect(result).toEqual({
      object: 'webhook_endpoint.test',
      event_type: 'batch.completed',
      status_code: 200,
      success: true,
      webhook_endpoint_id: created.id,
    });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    const event = await client.webhooks.unwrap(got.body, got.headers as Record<string, string>, created.signing_secret);
    expect(event.type).toBe('batch.completed');
    await expect(client.webhooks.unwrap(got.body, got.headers as Record<string, string>, webhookSecret)).rejects.toThrow(
      OpenAI.InvalidWebhookSignatureError,
    );
  });

  it('test() reports a non-2xx answer as its status code, and an unreachable URL as an error', async () => {
    receiver = await startReceiver(404);
    const created = await client.webhooks.create({ name: 'a', url: receiver.url, event_types: ['realtime.call.incoming'] });
    expect((await client.webhooks.test(created.id, { event_type: 'realtime.call.incoming' })).status_code).toBe(404);
    await receiver.close();
    receiver = undefined;
    const err = await apiError(client.webhooks.test(created.id, { event_type: 'realtime.call.incoming' }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('could not be delivered');
    expect(emu.webhookTests().map((t) => t.status)).toEqual([404, null]);
  });

  it('rotateSecret: a new secret; with keep_old_secret_active_for_24_hours the old one still signs for a day', async () => {
    receiver = await startReceiver(200);
    const created = await client.webhooks.create({ name: 'a', url: receiver.url, event_types: ['realtime.call.incoming'] });
    const kept = await client.webhooks.rotateSecret(created.id, { keep_old_secret_active_for_24_hours: true });
    expect(kept.signing_secret).not.toBe(created.signing_secret);
    expect(emu.webhookEndpoints()[0]?.previousSecret?.secret).toBe(created.signing_secret);
    await client.webhooks.test(created.id, { event_type: 'batch.completed' });
    const both = receiver.received[0]!;
    expect(String(both.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [created.signing_secret, kept.signing_secret]) {
      await expect(client.webhooks.unwrap(both.body, both.headers as Record<string, string>, secret)).resolves.toBeTruthy();
    }

    const cut = await client.webhooks.rotateSecret(created.id);
    await client.webhooks.test(created.id, { event_type: 'batch.completed' });
    const one = receiver.received[1]!;
    expect(String(one.headers['webhook-signature']).split(' ')).toHaveLength(1);
    await expect(client.webhooks.unwrap(one.body, one.headers as Record<string, string>, cut.signing_secret)).resolves.toBeTruthy();
    await expect(client.webhooks.unwrap(one.body, one.headers as Record<string, string>, kept.signing_secret)).rejects.toThrow(
      OpenAI.InvalidWebhookSignatureError,
    );
  });

  it('an incoming call goes to the endpoint subscribed to realtime.call.incoming, signed with its secret', async () => {
    receiver = await startReceiver(200);
    const created = await client.webhooks.create({ name: 'a', url: receiver.url, event_types: ['realtime.call.incoming'] });
    const call = await emu.placeCall({ ringTimeoutMs: 200 });
    await call.delivered;
    const got = receiver.received[0]!;
    const event = await client.webhooks.unwrap(got.body, got.headers as Record<string, string>, created.signing_secret);
    expect(event).toMatchObject({ type: 'realtime.call.incoming', data: { call_id: call.id } });
  });
});
