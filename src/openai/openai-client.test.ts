import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { makeThrowawayCert } from '../testing/throwaway-cert.ts';
import { realtimeCallControl } from './call-control.ts';
import { createOpenAIConnection, h2StreamsPerConnection, type OpenAIConnection } from './openai-client.ts';

const cert = makeThrowawayCert();
afterAll(() => cert.remove());

const acceptParams = { type: 'realtime' as const, model: 'gpt-realtime' };

/** Counts connections and the most requests in flight on any one of them; answers after 50 ms. */
function track() {
  const perConnection = new Map<object, number>();
  const stats = { connections: 0, maxInFlightPerConnection: 0, requests: 0 };
  const handle = (conn: object, req: { resume(): unknown; on(event: 'end', fn: () => void): unknown }, end: () => void) => {
    if (!perConnection.has(conn)) stats.connections++;
    const n = (perConnection.get(conn) ?? 0) + 1;
    perConnection.set(conn, n);
    stats.maxInFlightPerConnection = Math.max(stats.maxInFlightPerConnection, n);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        perConnection.set(conn, (perConnection.get(conn) ?? 1) - 1);
        stats.requests++;
        end();
      }, 50),
    );
  };
  return { stats, handle };
}

type Handler = Parameters<typeof createSecureServer>[1];

/** Runs fn against a local TLS API (HTTP/2 with HTTP/1.1 fallback unless http1Only) and the real pool. */
async function withApi(
  handler: NonNullable<Handler>,
  fn: (conn: OpenAIConnection) => Promise<void>,
  opts: { http1Only?: boolean } = {},
): Promise<void> {
  const answer: NonNullable<Handler> = (req, res) => (req.method === 'HEAD' ? void res.end() : handler(req, res));
  const server: Server & { closeAllConnections?: () => void } = opts.http1Only
    ? createHttpsServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['http/1.1'] }, answer as never)
    : createSecureServer({ key: cert.key, cert: cert.cert, allowHTTP1: true }, answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const conn = createOpenAIConnection({
    apiKey: 'sk-test',
    baseURL: `https://127.0.0.1:${port}/v1`,
    webhookSecret: 'whsec_dGVzdA==',
    ca: cert.ca,
  });
  try {
    await fn(conn);
  } finally {
    await conn.close();
    server.closeAllConnections?.();
    server.close();
  }
}

const ok = (res: { writeHead(status: number, headers: Record<string, string>): { end(body: string): unknown } }) => () =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');

describe('the OpenAI connection pool', () => {
  it('multiplexes concurrent accepts on the one warm HTTP/2 connection', async () => {
    const { stats, handle } = track();
    await withApi(
      (req, res) => handle(req.stream.session!, req, ok(res)),
      async (conn) => {
        await conn.warm();
        await Promise.all(Array.from({ length: 20 }, (_, i) => conn.client.realtime.calls.accept(`rtc_${i}`, acceptParams)));
      },
    );
    expect(stats.requests).toBe(20);
    expect(stats.connections).toBe(1);
    expect(stats.maxInFlightPerConnection).toBe(20);
  });

  it('keeps a burst larger than the stream limit on the one connection (no new TLS connections)', async () => {
    const { stats, handle } = track();
    await withApi(
      (req, res) => handle(req.stream.session!, req, ok(res)),
      async (conn) => {
        await conn.warm();
        await Promise.all(Array.from({ length: 250 }, (_, i) => conn.client.realtime.calls.accept(`rtc_${i}`, acceptParams)));
      },
    );
    expect(stats.requests).toBe(250);
    expect(stats.connections).toBe(1);
    expect(stats.maxInFlightPerConnection).toBe(h2StreamsPerConnection);
  });

  it('still honours an abort signal on a multiplexed accept', async () => {
    await withApi(
      (req) => void req.resume() /* never answers */,
      async (conn) => {
        await conn.warm();
        const accepts = Array.from({ length: 3 }, (_, i) =>
          conn.client.realtime.calls.accept(`rtc_${i}`, acceptParams, { signal: AbortSignal.timeout(100) }),
        );
        const results = await Promise.allSettled(accepts);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
        expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(APIUserAbortError);
      },
    );
  });

  it('maps answers and failures to the SDK errors the accept retries rely on', async () => {
    const answer: NonNullable<Handler> = (req, res) => {
      req.resume();
      const status = req.url?.includes('rtc_gone') ? 404 : 500;
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end(
        JSON.stringify({
          error: {
            message: status === 404 ? 'call not found' : 'boom',
            type: 'invalid_request_error',
            code: status === 404 ? 'call_not_found' : null,
          },
        }),
      );
    };
    await withApi(answer, async (conn) => {
      const gone = await conn.client.realtime.calls.accept('rtc_gone', acceptParams).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(APIError);
      expect(gone).toMatchObject({ status: 404, code: 'call_not_found', requestID: 'req_1' });
      expect((gone as Error).message).toContain('call not found');
      const failed = await conn.client.realtime.calls.accept('rtc_x', acceptParams).catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 500 });
    });
    const refused = createOpenAIConnection({
      apiKey: 'sk-test',
      baseURL: 'https://127.0.0.1:9/v1',
      webhookSecret: 'whsec_dGVzdA==',
      ca: cert.ca,
    });
    const down = await refused.client.realtime.calls.accept('rtc_x', acceptParams).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(APIConnectionError);
    await refused.close();
  });

  it.each([false, true])(
    'does not read a call-control answer it does not need: an endless 200 body is cancelled (HTTP/1.1 only: %s)',
    async (http1Only) => {
      let closed!: () => void;
      const bodyClosed = new Promise<void>((resolve) => (closed = resolve));
      let sentBytes = 0;
      const answer: NonNullable<Handler> = (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const drip = setInterval(() => {
          sentBytes += chunk.length;
          res.write(chunk);
        }, 5);
        res.on('close', () => {
          clearInterval(drip);
          closed();
        });
      };
      await withApi(
        answer,
        async (conn) => {
          const control = realtimeCallControl(conn.client);
          await control.accept('rtc_1', acceptParams);
          await control.refer('rtc_1', 'sip:+19195554321@h');
          await control.hangup('rtc_1');
          await bodyClosed;
        },
        { http1Only },
      );
      expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
    },
  );

  it('sends one request at a time on each HTTP/1.1 connection (no pipelining)', async () => {
    const { stats, handle } = track();
    await withApi(
      (req, res) => handle(req.socket, req, ok(res)),
      async (conn) => {
        await conn.warm();
        await Promise.all(Array.from({ length: 5 }, (_, i) => conn.client.realtime.calls.accept(`rtc_${i}`, acceptParams)));
      },
      { http1Only: true },
    );
    expect(stats.requests).toBe(5);
    expect(stats.connections).toBe(5);
    expect(stats.maxInFlightPerConnection).toBe(1);
  });
});
