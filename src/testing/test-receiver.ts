// Test support: an operator's call-event endpoint on a real local socket, verifying signatures with the standardwebhooks library.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What Webhook.verify returned; null when the signature did not verify. */
  verified: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  status: number;
}

export interface TestReceiver {
  url: string;
  received: ReceivedEvent[];
  /** The status to answer for the nth request (1-based); default 204. */
  respond: (n: number, body: string) => number | 'hang';
  /** Resolves once `predicate` holds for what arrived. */
  waitFor(predicate: (received: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
}

export async function startTestReceiver(secret: string): Promise<TestReceiver> {
  const wh = new Webhook(secret);
  const received: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  const hung = new Set<import('node:http').ServerResponse>();
  const receiver: TestReceiver = {
    url: '',
    received,
    respond: () => 204,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met in ${timeoutMs} ms; got ${received.length} requests`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let verified: ReceivedEvent['verified'] = null;
      try {
        verified = wh.verify(body, req.headers as Record<string, string>) as ReceivedEvent['verified'];
      } catch {
        verified = null;
      }
      const answer = receiver.respond(received.length + 1, body);
      received.push({
        id: String(req.headers['webhook-id']),
        headers: req.headers,
        body,
        verified,
        status: answer === 'hang' ? 0 : answer,
      });
      for (const w of [...waiters]) w();
      if (answer === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/switchboard`;
  return receiver;
}
