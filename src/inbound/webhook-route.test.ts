import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Counts HMAC computations: the signature check is the server's only one on this path.
const hmacs = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const createHmac = (...args: Parameters<typeof real.createHmac>) => {
    hmacs.count++;
    return real.createHmac(...args);
  };
  return { ...real, default: { ...real, createHmac }, createHmac };
});

import { loadConfig } from '../config/config.ts';
import { signWebhook } from '../emulator/index.ts';
import type { CallControl } from '../openai/call-control.ts';
import type { Switchboard } from '../server/build-switchboard.ts';
import { buildSwitchboard } from '../server/build-switchboard.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { webhookPath } from './webhook-route.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

async function app(opts: { control?: CallControl; env?: Record<string, string> } = {}) {
  const config = loadConfig({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_WEBHOOK_SECRET: secret,
    REFER_TO: '+19195554321',
    WEBHOOK_MAX_BODY_BYTES: '4096',
    ...opts.env,
  });
  const control = new RecordingCallControl();
  const lines: Array<Record<string, any>> = [];
  const log = pino({ level: 'info' }, { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
  const server = await buildSwitchboard(config, {
    log,
    store: null,
    control: opts.control ?? control,
    transport: new FakeControlTransport(),
  });
  return { server, accepts: control.accepts, lines };
}

const event = (type = 'realtime.call.incoming', callId = 'rtc_1') =>
  JSON.stringify({
    object: 'event',
    id: 'evt_1',
    type,
    created_at: 1750287018,
    data: { call_id: callId, sip_headers: [{ name: 'From', value: '<sip:+19195551234@h>' }] },
  });

function signed(body: string, opts: { id?: string; at?: number; key?: string } = {}) {
  const id = opts.id ?? 'msg_1';
  const at = opts.at ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(at),
    'webhook-signature': signWebhook(opts.key ?? secret, id, at, body),
  };
}

describe('POST /webhooks/openai/realtime/call/inbound', () => {
  it('accepts a correctly signed incoming call, then answers 200', async () => {
    const { server, accepts } = await app();
    const body = event();
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ callId: 'rtc_1', status: 'accepted' });
    expect(accepts).toEqual(['rtc_1']);
    await server.liveCalls.get('rtc_1')?.hangup('operator_hangup');
  });

  it.each([
    ['a tampered body', (b: string) => ({ headers: signed(b), payload: b.replace('rtc_1', 'rtc_2') })],
    ['a wrong secret', (b: string) => ({ headers: signed(b, { key: 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==' }), payload: b })],
    ['a stale timestamp', (b: string) => ({ headers: signed(b, { at: Math.floor(Date.now() / 1000) - 3600 }), payload: b })],
    ['missing headers', (b: string) => ({ headers: { 'content-type': 'application/json' }, payload: b })],
  ])('refuses %s with 400 and no side effect', async (_name, build) => {
    const { server, accepts } = await app();
    const res = await server.app.inject({ method: 'POST', url: webhookPath, ...build(event()) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_signature');
    expect(accepts).toEqual([]);
    expect(server.dedupe.size).toBe(0);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const { server, accepts } = await app();
    const body = '{"type": "realtime.call.incoming", ';
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('malformed_body');
    expect(accepts).toEqual([]);
  });

  it.each(['null', '[]', '42', '"realtime.call.incoming"', 'true'])(
    'answers 400 malformed_body to a signed body that is JSON but not an object: %s',
    async (body) => {
      const { server, accepts, lines } = await app();
      const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'malformed_body', message: 'the body must be a JSON object (an event)' });
      expect(accepts).toEqual([]);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    },
  );

  it('logs every 5xx: a thrown error with its stack, an answered 502 with its route', async () => {
    const failing = new RecordingCallControl();
    failing.accept = async () => Promise.reject(Object.assign(new Error('bad request'), { status: 400 }));
    const { server, lines } = await app({ control: failing });
    server.app.get('/boom', async () => {
      throw new Error('kaboom');
    });
    const boom = await server.app.inject({ method: 'GET', url: '/boom?caller=%2B19195551234' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: 'internal', message: 'internal error' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'request failed',
        route: '/boom',
        status: 500,
        err: expect.objectContaining({ message: 'kaboom', stack: expect.any(String) }),
      }),
    );
    expect(JSON.stringify(lines)).not.toContain('19195551234');

    const body = event();
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(502);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'answered with a server error', route: webhookPath, status: 502 }));
  });

  it('answers 400 naming the field when the incoming call lacks a call_id', async () => {
    const { server } = await app();
    const body = JSON.stringify({ object: 'event', id: 'evt_1', type: 'realtime.call.incoming', created_at: 1, data: { sip_headers: [] } });
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed_body', field: 'data.call_id' });
  });

  it('ignores other event types with 200, so OpenAI does not retry them', async () => {
    const { server, accepts } = await app();
    const body = event('response.completed');
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored' });
    expect(accepts).toEqual([]);
  });

  it('refuses a body over the size limit', async () => {
    const { server, accepts } = await app();
    const body = JSON.stringify({ pad: 'x'.repeat(5000) });
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(413);
    expect(accepts).toEqual([]);
  });

  it('answers 503 while draining', async () => {
    const { server, accepts } = await app();
    server.beginDrain();
    const body = event();
    const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(body), payload: body });
    expect(res.statusCode).toBe(503);
    expect(accepts).toEqual([]);
    expect((await server.app.inject('/ready')).statusCode).toBe(503);
  });
});

describe('cheap refusals first', () => {
  let listening: Switchboard | undefined;
  afterEach(async () => {
    await listening?.app.close();
    listening = undefined;
  });

  it.each([
    ['a stale timestamp', (b: string) => signed(b, { at: Math.floor(Date.now() / 1000) - 310 }), 400, 'invalid_signature'],
    ['a timestamp from the future', (b: string) => signed(b, { at: Math.floor(Date.now() / 1000) + 310 }), 400, 'invalid_signature'],
    ['a timestamp that is not a number', (b: string) => ({ ...signed(b), 'webhook-timestamp': 'soon' }), 400, 'invalid_signature'],
    ['missing headers', () => ({ 'content-type': 'application/json' }), 400, 'invalid_signature'],
    [
      'six signatures, one of them right',
      (b: string) => {
        const h = signed(b);
        const wrong = signed(b, { key: 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==' })['webhook-signature'];
        return { ...h, 'webhook-signature': [wrong, wrong, wrong, wrong, wrong, h['webhook-signature']].join(' ') };
      },
      400,
      'invalid_signature',
    ],
    ['a declared length over the limit', (b: string) => ({ ...signed(b), 'content-length': '4097' }), 413, 'body_too_large'],
  ] as const)('refuses %s without computing an HMAC', async (_name, build, status, error) => {
    const { server, accepts } = await app();
    const body = event();
    const headers: Record<string, string> = { ...build(body) };
    hmacs.count = 0;
    const res = await server.app.inject({
      method: 'POST',
      url: webhookPath,
      headers,
      payload: headers['content-length'] ? body.padEnd(Number(headers['content-length'])) : body,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(error);
    expect(hmacs.count).toBe(0);
    expect(accepts).toEqual([]);
  });

  it('still verifies up to five signatures (a secret rotation)', async () => {
    const { server } = await app();
    const body = event('response.completed');
    const h = signed(body);
    const wrong = signed(body, { key: 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==' })['webhook-signature'];
    hmacs.count = 0;
    const res = await server.app.inject({
      method: 'POST',
      url: webhookPath,
      headers: { ...h, 'webhook-signature': [wrong, wrong, wrong, wrong, h['webhook-signature']].join(' ') },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(hmacs.count).toBe(1);
  });

  /** Sends the request line and headers only, then reads what comes back until the server closes. */
  async function headersOnly(server: Switchboard, headers: Record<string, string>): Promise<string> {
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const head = [`POST ${webhookPath} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join(
      '\r\n',
    );
    socket.write(head); // the promised body never comes
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    await new Promise((resolve) => socket.on('close', resolve));
    return answer;
  }

  it('answers a stale delivery over a real socket before its body arrives, and closes the connection', async () => {
    const { server } = await app();
    listening = server;
    const body = event();
    const answer = await headersOnly(server, { ...signed(body, { at: Math.floor(Date.now() / 1000) - 3600 }), 'content-length': '4000' });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('"error":"invalid_signature"');
  });

  it('answers 413 to a declared body over the default limit (64 KiB) before it arrives', async () => {
    const { server } = await app({ env: { WEBHOOK_MAX_BODY_BYTES: '' } });
    listening = server;
    const answer = await headersOnly(server, { ...signed(event()), 'content-length': String(64 * 1024 + 1) });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"error":"body_too_large"');
  });

  it('rate-limits the "webhook refused" line and counts every refusal in a metric', async () => {
    const { server, lines } = await app();
    for (let i = 0; i < 30; i++) {
      const res = await server.app.inject({ method: 'POST', url: webhookPath, headers: signed(event(), { at: 1 }), payload: event() });
      expect(res.statusCode).toBe(400);
    }
    expect(lines.filter((l) => l.msg === 'webhook refused')).toHaveLength(10);
    const metrics = await server.app.inject('/metrics');
    expect(metrics.body).toContain('switchboard_webhook_refusals_total{reason="stale"} 30');
  });
});

describe('GET /health and /ready', () => {
  it('answers 204 and 200', async () => {
    const { server } = await app();
    expect((await server.app.inject('/health')).statusCode).toBe(204);
    expect((await server.app.inject('/ready')).statusCode).toBe(200);
  });
});
