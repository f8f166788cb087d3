import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { parseCallParties } from '../sip/index.ts';
import { type HttpToolSpec, httpTool } from './http-tool.ts';
import { createSchemaCompiler } from './json-schema.ts';
import type { ToolContext } from './tool.ts';

const secret = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** Another origin, where a redirect points. */
let elsewhere: Server;
let elsewhereBase: string;
const receivedElsewhere: Received[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/orders': (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order: 'A-17', status: 'shipped' })),
  '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('late'), 2_000).unref(),
  '/moved': (_req, res) => res.writeHead(302, { location: `${elsewhereBase}/steal` }).end(),
  '/moved-keep-body': (_req, res) => res.writeHead(307, { location: `${elsewhereBase}/steal` }).end(),
  '/broken': (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"db down"}'),
  '/huge': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: 'é'.repeat(100_000) }));
  },
};

function listen(s: Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      receivedElsewhere.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"stolen":true}');
    });
  });
  elsewhereBase = await listen(elsewhere);
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of [server, elsewhere]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const compile = createSchemaCompiler();
const parameters = {
  type: 'object',
  properties: { orderId: { type: 'string', pattern: '^[A-Z]-\\d+$' }, email: { type: 'string', format: 'email' } },
  required: ['orderId'],
  additionalProperties: false,
};

function spec(over: Partial<HttpToolSpec>): HttpToolSpec {
  const compiled = compile(parameters);
  if (!compiled.ok) throw new Error(compiled.message);
  return {
    name: 'lookup_order',
    description: 'Look up an order.',
    parameters,
    checkArguments: compiled.check,
    url: `${base}/orders`,
    method: 'POST',
    headers: { authorization: 'Bearer crm-token' },
    timeoutMs: 1_000,
    maxResponseBytes: 4_096,
    filler: null,
    fillerMaxMs: 1_000,
    signingSecret: secret,
    ...over,
  };
}

function context() {
  const says: string[] = [];
  const ctx: ToolContext = {
    callId: 'rtc_42',
    toolCallId: 'call_7',
    parties: parseCallParties([
      { name: 'From', value: '<sip:+12125551234@h>' },
      { name: 'To', value: '<sip:+18005550100@h>' },
    ]),
    control: { accept: async () => {}, reject: async () => {}, refer: async () => {}, hangup: async () => {} },
    log: createLogger('silent'),
    call: { say: async (text) => void says.push(text), hangup: async () => {}, markTransferred: () => {}, emit: () => {} },
  };
  return { ctx, says };
}

describe('http tool against a real HTTP server', () => {
  it('POSTs the arguments with the call, signed; the receiver verifies the signature; the JSON answer is the output', async () => {
    const before = received.length;
    const { ctx } = context();
    const fixed = new Date();
    const result = await httpTool(spec({}), { profile: 'support', clock: () => fixed }).run({ orderId: 'A-17' }, ctx);
    expect(result.output).toEqual({ ok: true, status: 200, body: { order: 'A-17', status: 'shipped' } });
    expect(result.followUp).toEqual({ kind: 'respond' });
    const req = received[before] as Received;
    expect(req.method).toBe('POST');
    expect(req.headers.authorization).toBe('Bearer crm-token');
    expect(req.headers['webhook-id']).toBe('msg_call_7');
    expect(JSON.parse(req.body)).toEqual({
      tool: 'lookup_order',
      arguments: { orderId: 'A-17' },
      call: { id: 'rtc_42', toolCallId: 'call_7', caller: '+12125551234', dialed: '+18005550100', profile: 'support' },
    });
    // The receiving side, as the business would do it.
    const verified = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    expect(verified).toMatchObject({ tool: 'lookup_order' });
    // A tampered body or another secret fails verification.
    expect(() => new Webhook(secret).verify(req.body.replace('A-17', 'A-18'), req.headers as Record<string, string>)).toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another-secret').toString('base64')}`).verify(req.body, req.headers as Record<string, string>),
    ).toThrow();
  });

  it('sends GET arguments as the query string', async () => {
    const before = received.length;
    const result = await httpTool(spec({ method: 'GET' }), { profile: 'support' }).run(
      { orderId: 'A-17', email: 'a@b.example' },
      context().ctx,
    );
    expect(result.output).toMatchObject({ ok: true, status: 200 });
    expect(received[before]).toMatchObject({ method: 'GET', url: '/orders?orderId=A-17&email=a%40b.example', body: '' });
  });

  it('says the filler while a slow request runs, then reports the timeout as an error the agent can talk about', async () => {
    const { ctx, says } = context();
    const result = await httpTool(spec({ url: `${base}/slow`, timeoutMs: 200, filler: 'One moment while I look that up.' }), {
      profile: 'p',
    }).run({ orderId: 'A-1' }, ctx);
    expect(says).toEqual(['Say exactly: "One moment while I look that up."']);
    expect(result.output).toEqual({ ok: false, error: 'timeout', message: 'The system did not answer within 200 ms.' });
    expect(result.followUp.kind).toBe('instruct');
  });

  it('turns a 500 into an error output', async () => {
    const result = await httpTool(spec({ url: `${base}/broken` }), { profile: 'p' }).run({ orderId: 'A-1' }, context().ctx);
    expect(result.output).toMatchObject({ ok: false, error: 'http_error', status: 500 });
    expect(result.followUp.kind).toBe('instruct');
  });

  it('caps an oversized body and says so', async () => {
    const result = await httpTool(spec({ url: `${base}/huge`, maxResponseBytes: 1_001 }), { profile: 'p' }).run(
      { orderId: 'A-1' },
      context().ctx,
    );
    const output = result.output as { ok: boolean; truncated: boolean; body: string };
    expect(output.ok).toBe(true);
    expect(output.truncated).toBe(true);
    expect(typeof output.body).toBe('string');
    expect(Buffer.byteLength(output.body)).toBeLessThanOrEqual(1_001);
    expect(output.body.startsWith('{"items":"éé')).toBe(true);
    expect(output.body).not.toContain('\uFFFD');
  });

  it('refuses arguments that break the schema before any request is sent', async () => {
    const before = received.length;
    const tool = httpTool(spec({}), { profile: 'p' });
    for (const args of [{}, { orderId: 'nope' }, { orderId: 'A-1', email: 'not-an-email' }, { orderId: 'A-1', extra: 1 }]) {
      const result = await tool.run(args, context().ctx);
      expect(result.output).toMatchObject({ ok: false, error: 'invalid_arguments' });
    }
    expect((await tool.run({ orderId: 'nope' }, context().ctx)).output).toMatchObject({
      message: 'arguments/orderId must match pattern "^[A-Z]-\\d+$"',
    });
    expect(received.length).toBe(before);
  });

  it.each([
    ['302', 'POST', '/moved'],
    ['302', 'GET', '/moved'],
    ['307', 'POST', '/moved-keep-body'],
  ] as const)(
    'does not follow a %s redirect (%s): it is an http_error, and nothing reaches the other origin',
    async (status, method, path) => {
      const result = await httpTool(spec({ url: `${base}${path}`, method }), { profile: 'p' }).run({ orderId: 'A-1' }, context().ctx);
      expect(result.output).toMatchObject({ ok: false, error: 'http_error', status: Number(status) });
      expect(receivedElsewhere).toEqual([]);
    },
  );

  it('sends only the arguments declared in parameters', async () => {
    const open = { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] }; // extra keys pass the schema
    const compiled = compile(open);
    if (!compiled.ok) throw new Error(compiled.message);
    for (const method of ['POST', 'GET'] as const) {
      const before = received.length;
      const tool = httpTool(spec({ method, parameters: open, checkArguments: compiled.check }), { profile: 'p' });
      const result = await tool.run({ orderId: 'A-1', isAdmin: true, callerOverride: '+15550000000' }, context().ctx);
      expect(result.output).toMatchObject({ ok: true });
      const req = received[before] as Received;
      if (method === 'POST') expect(JSON.parse(req.body).arguments).toEqual({ orderId: 'A-1' });
      else expect(req.url).toBe('/orders?orderId=A-1');
    }
  });

  it('never lets an argument replace a query parameter or path part written in the url', async () => {
    const withTenant = {
      type: 'object',
      properties: { orderId: { type: 'string' }, tenant: { type: 'string' } },
      additionalProperties: false,
    };
    const compiled = compile(withTenant);
    if (!compiled.ok) throw new Error(compiled.message);
    const before = received.length;
    const tool = httpTool(
      spec({ method: 'GET', url: `${base}/orders?tenant=acme`, parameters: withTenant, checkArguments: compiled.check }),
      { profile: 'p' },
    );
    const result = await tool.run({ tenant: 'victim', orderId: '../admin?tenant=victim#x' }, context().ctx);
    expect(result.output).toMatchObject({ ok: true });
    const url = new URL((received[before] as Received).url, 'http://x');
    expect(url.pathname).toBe('/orders');
    expect(url.searchParams.getAll('tenant')).toEqual(['acme']);
    expect(url.searchParams.get('orderId')).toBe('../admin?tenant=victim#x');
  });

  it('reports an unreachable system', async () => {
    const result = await httpTool(spec({ url: 'http://127.0.0.1:1/x' }), { profile: 'p' }).run({ orderId: 'A-1' }, context().ctx);
    expect(result.output).toMatchObject({ ok: false, error: 'unreachable' });
  });
});

describe('createSchemaCompiler', () => {
  it('reports a broken schema at load', () => {
    expect(compile({ type: 'object', properties: { a: { type: 'strnig' } } })).toMatchObject({ ok: false });
    expect(compile({ type: 'object', properties: { a: { type: 'string', format: 'no-such-format' } } })).toMatchObject({ ok: false });
    expect(compile({ type: 'object', propertys: {} })).toMatchObject({ ok: false });
  });
});
