import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { makeThrowawayCert } from '../testing/throwaway-cert.ts';
import type { ControlCloseInfo } from './control-transport.ts';
import { openaiWsTransport } from './openai-ws-transport.ts';

const cert = makeThrowawayCert();
afterAll(() => cert.remove());

async function tlsRealtimeServer() {
  const server = createServer({ key: cert.key, cert: cert.cert });
  const wss = new WebSocketServer({ server });
  const seen: string[] = [];
  wss.on('connection', (ws, req) => {
    seen.push(req.url ?? '');
    ws.send(JSON.stringify({ type: 'input_audio_buffer.speech_started', event_id: 'e1', item_id: 'i1', audio_start_ms: 0 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `https://127.0.0.1:${port}/v1`,
    seen,
    close: () => {
      wss.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

function open(transport: ReturnType<typeof openaiWsTransport>, callId: string) {
  return new Promise<{ opened: boolean; eventType?: string; close?: ControlCloseInfo }>((resolve) => {
    const result: { opened: boolean; eventType?: string } = { opened: false };
    const conn = transport.connect(callId, {
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
