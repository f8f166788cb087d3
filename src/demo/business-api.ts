// A stand-in for the business's own system, for the profiles demo and the end-to-end
// tests: it verifies each request's Standard Webhooks signature, as a real one should.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface BusinessApiRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature checked out with the shared secret. */
  verified: boolean;
}

export interface BusinessApi {
  url: string;
  requests: BusinessApiRequest[];
  close(): Promise<void>;
}

/**
 * POST /orders: `A-500` → 500, `A-SLOW` → answers after 10 s, `A-BIG` → 100 kB, others → the order.
 * POST /visits: booked. Anything unsigned or badly signed → 401.
 */
export async function startBusinessApi(signingSecret: string): Promise<BusinessApi> {
  const verifier = new Webhook(signingSecret);
  const requests: BusinessApiRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let payload: { arguments?: Record<string, unknown> } = {};
      let verified = false;
      try {
        payload = verifier.verify(body, req.headers as Record<string, string>) as typeof payload;
        verified = true;
      } catch {
        verified = false;
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ path, headers: req.headers, body, verified });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (!verified) return json(401, { error: 'bad signature' });
      const orderId = String(payload.arguments?.orderId ?? '');
      if (path === '/orders') {
        if (orderId === 'A-500') return json(500, { error: 'database unavailable' });
        if (orderId === 'A-SLOW') return void setTimeout(() => json(200, { orderId, status: 'late' }), 10_000).unref();
        if (orderId === 'A-BIG') return json(200, { orderId, history: 'x'.repeat(100_000) });
        return json(200, { orderId, status: 'shipped', deliveryDate: '2026-03-12' });
      }
      if (path === '/visits') return json(200, { booked: true, ...payload.arguments });
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
