import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { makeThrowawayCert } from '../testing/throwaway-cert.ts';
import type { ControlCloseInfo } from './control-transport.ts';
import { openaiWsTransport } from './openai-ws-transport.ts';

const cert = makeThrowawayCert();
/** A certificate for the same names from a CA the transport does not trust. */
const stranger = makeThrowawayCert();
afterAll(() => {
  cert.remove();
  stranger.remove();
});

async function tlsRealtimeServer(opts: { port?: number; leaf?: typeof cert; maxVersion?: 'TLSv1.2' } = {}) {
  const leaf = opts.leaf ?? cert;
  const server = createServer({ key: leaf.key, cert: leaf.cert, ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}) });
  const wss = new WebSocketServer({ server });
  const seen: string[] = [];
  const upgrades: IncomingMessage[] = [];
  /** Per TLS connection, in order: did it resume an earlier session? */
  const resumed: boolean[] = [];
  server.on('secureConnection', (socket: TLSSocket) => resumed.push(socket.isSessionReused()));
  wss.on('connection', (ws, req) => {
    seen.push(req.url ?? '');
    upgrades.push(req);
    ws.send(JSON.stringify({ type: 'input_audio_buffer.speech_started', event_id: 'e1', item_id: 'i1', audio_start_ms: 0 }));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    baseURL: `https://127.0.0.1:${port}/v1`,
    seen,
    upgrades,
    resumed,
    close: () => {
      wss.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function open(transport: ReturnType<typeof openaiWsTransport>, callId: string, eventTypes?: ReadonlySet<string>) {
  return new Promise<{ opened: boolean; eventType?: string; close?: ControlCloseInfo }>((resolve) => {
    const result: { opened: boolean; eventType?: string } = { opened: false };
    const conn = transport.connect(callId, {
      ...(eventTypes ? { eventTypes } : {}),
      onOpen: () => void (result.opened = true),
      onEvent: (e) => {
        result.eventType = e.type;
        conn.close();
      },
      onError: () => {},
      onClose: (info) => resolve({ ...result, close: info }),
    });
  });
}

describe('the control socket over TLS', () => {
  it('connects every call with the one TLS context that trusts the private CA', async () => {
    const s = await tlsRealtimeServer();
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: s.baseURL }), { ca: cert.ca });
      const [a, b] = await Promise.all([open(transport, 'rtc_a'), open(transport, 'rtc_b')]);
      expect(a).toMatchObject({ opened: true, eventType: 'input_audio_buffer.speech_started' });
      expect(b).toMatchObject({ opened: true, eventType: 'input_audio_buffer.speech_started' });
      expect(s.seen.sort()).toEqual(['/v1/realtime?call_id=rtc_a', '/v1/realtime?call_id=rtc_b']);
    } finally {
      s.close();
    }
  });

  it('refuses a server its context does not trust', async () => {
    const s = await tlsRealtimeServer();
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: s.baseURL }));
      const r = await open(transport, 'rtc_c');
      expect(r.opened).toBe(false);
      expect(s.seen).toEqual([]);
    } finally {
      s.close();
    }
  });
});

describe('TLS session resumption across control sockets', () => {
  it('resumes on the next socket, and a new server whose certificate the CA did not sign is still refused', async () => {
    const s = await tlsRealtimeServer();
    const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: s.baseURL }), { ca: cert.ca });
    try {
      for (const callId of ['rtc_1', 'rtc_2', 'rtc_3']) expect(await open(transport, callId)).toMatchObject({ opened: true });
    } finally {
      await s.close();
    }
    expect(s.resumed).toEqual([false, true, true]);

    // The same address, a new server (its own ticket keys) with a stranger's certificate: the
    // ticket held cannot resume there, and the full handshake is verified as ever.
    const impostor = await tlsRealtimeServer({ port: s.port, leaf: stranger });
    try {
      const r = await open(transport, 'rtc_4');
      expect(r.opened).toBe(false);
      expect(impostor.seen).toEqual([]);
    } finally {
      await impostor.close();
    }
  });
});

describe('TLS 1.2 session resumption', () => {
  it('resumes too (the session comes during the handshake, not after it)', async () => {
    const s = await tlsRealtimeServer({ maxVersion: 'TLSv1.2' });
    const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: s.baseURL }), { ca: cert.ca });
    try {
      for (const callId of ['rtc_1', 'rtc_2']) expect(await open(transport, callId)).toMatchObject({ opened: true });
    } finally {
      await s.close();
    }
    expect(s.resumed).toEqual([false, true]);
  });
});

describe('the upgrade request', () => {
  /** Header name/value pairs in wire order, without the per-request random key. */
  const headersOf = (req: IncomingMessage) =>
    req.rawHeaders
      .flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]] as const] : []))
      .filter(([name]) => name.toLowerCase() !== 'sec-websocket-key');

  it("is the SDK's OpenAIRealtimeWS request: URL and headers, the client's organization, project and default headers too", async () => {
    const s = await tlsRealtimeServer();
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: s.baseURL,
      organization: 'org_test',
      project: 'proj_test',
      defaultHeaders: { 'X-Extra': 'yes', 'OpenAI-Beta': 'realtime=v1' },
    });
    try {
      expect(await open(openaiWsTransport(client, { ca: cert.ca }), 'rtc_same')).toMatchObject({ opened: true });
      const rt = new OpenAIRealtimeWS({ callID: 'rtc_same', options: { ca: cert.ca } }, client);
      await new Promise<void>((resolve, reject) => {
        rt.on('error', reject);
        rt.on('event', () => {
          rt.close();
          resolve();
        });
      });
      const [ours, sdk] = s.upgrades;
      expect(ours?.url).toBe('/v1/realtime?call_id=rtc_same');
      expect(ours?.url).toBe(sdk?.url);
      expect(headersOf(ours!)).toEqual(headersOf(sdk!));
      expect(ours?.headers).toMatchObject({ authorization: 'Bearer sk-test', 'openai-organization': 'org_test', 'x-extra': 'yes' });
      expect(ours?.headers['sec-websocket-extensions']).toBeUndefined(); // no permessage-deflate
    } finally {
      await s.close();
    }
  });

  it('dials ws: for a plain http: base URL, same path', async () => {
    const server = createHttpServer();
    const wss = new WebSocketServer({ server });
    const urls: string[] = [];
    wss.on('connection', (ws, req) => {
      urls.push(req.url ?? '');
      ws.send('{"type":"session.created","event_id":"e1"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1/` }));
      expect(await open(transport, 'rtc plain')).toMatchObject({ opened: true, eventType: 'session.created' });
      expect(urls).toEqual(['/v1/realtime?call_id=rtc+plain']);
    } finally {
      wss.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('frames the session does not act on', () => {
  const frames = [
    '{"type":"response.output_audio_transcript.delta","event_id":"skip1","delta":"hi"}',
    '{"type":"response.done","event_id":"done1","response":{"id":"resp_1"}}',
    '{ "type" : "response.done", "event_id" : "done2" }',
    '{"type":"response\\u002edone","event_id":"done3"}',
    '{"type":"input_audio_buffer.speech_stopped","event_id":"skip2"}',
    '{"type":"response.output_text.delta","event_id":"maybe1","delta":"response.done"}',
    'not json',
    '{"type": "response.done", ',
    '[1,2]',
  ];

  async function deliver(eventTypes?: ReadonlySet<string>) {
    const server = createHttpServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => {
      for (const frame of frames) ws.send(frame);
      ws.close(1000);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1` }));
      return await new Promise<{ events: string[]; invalid: string[] }>((resolve) => {
        const events: string[] = [];
        const invalid: string[] = [];
        transport.connect('rtc_frames', {
          ...(eventTypes ? { eventTypes } : {}),
          onOpen: () => {},
          onEvent: (e) => events.push(`${e.type}/${(e as { event_id?: string }).event_id}`),
          onInvalidFrame: (problem) => invalid.push(problem),
          onError: () => {},
          onClose: () => resolve({ events, invalid }),
        });
      });
    } finally {
      wss.close();
      server.closeAllConnections();
      server.close();
    }
  }

  it('are dropped unparsed; every acted-on event is delivered however it is spelled, and frames that are not JSON are still reported', async () => {
    const r = await deliver(new Set(['response.done', 'error']));
    expect(r.events).toEqual([
      'response.done/done1',
      'response.done/done2',
      'response.done/done3',
      'response.output_text.delta/maybe1', // might have been one: parsed, delivered, ignored by the session
    ]);
    expect(r.invalid).toHaveLength(3);
  });

  it('are all delivered when the session does not say what it acts on', async () => {
    const r = await deliver();
    expect(r.events).toEqual([
      'response.output_audio_transcript.delta/skip1',
      'response.done/done1',
      'response.done/done2',
      'response.done/done3',
      'input_audio_buffer.speech_stopped/skip2',
      'response.output_text.delta/maybe1',
    ]);
    expect(r.invalid).toHaveLength(3);
  });
});

describe('a refused upgrade', () => {
  it('closes at once with the HTTP status (404: the call is gone)', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (_req, socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1` }));
      const r = await open(transport, 'rtc_gone');
      expect(r).toMatchObject({ opened: false, close: { httpStatus: 404 } });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('a control socket that goes silent', () => {
  it('is cut when a ping gets no pong, so the session can reconnect', async () => {
    const server = createHttpServer();
    const wss = new WebSocketServer({ server, autoPong: false }); // a peer that stopped answering
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const transport = openaiWsTransport(new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1` }), {
        pingIntervalMs: 50,
      });
      const closed = await new Promise<{ opened: boolean; close: ControlCloseInfo }>((resolve) => {
        let opened = false;
        transport.connect('rtc_silent', {
          onOpen: () => (opened = true),
          onEvent: () => {},
          onError: () => {},
          onClose: (close) => resolve({ opened, close }),
        });
      });
      expect(closed).toEqual({ opened: true, close: { code: 1006 } });
    } finally {
      wss.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
