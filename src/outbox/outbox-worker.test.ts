import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { emptyBatch, type Store } from '../records/store.ts';
import { startTestReceiver, type TestReceiver } from '../testing/test-receiver.ts';
import { callEventMessage } from './call-event-message.ts';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker.ts';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const log = createLogger('silent');

describe('OutboxWorker', () => {
  let dir: string;
  let receiver: TestReceiver;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-outbox-'));
    receiver = await startTestReceiver(secret);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function openStore(): Promise<Store> {
    const store = await openSqliteStore(join(dir, 'switchboard.db'));
    cleanups.push(() => store.close());
    return store;
  }

  function worker(store: Store, over: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
    const w = new OutboxWorker({ store, url: receiver.url, secret, log, pollMs: 20, retryBaseMs: 20, retryMaxMs: 100, ...over });
    cleanups.push(() => w.stop(0));
    return w;
  }

  async function enqueue(store: Store, ...messages: ReturnType<typeof callEventMessage>[]) {
    await store.writeBatch({ ...emptyBatch(), outbox: messages });
  }

  const started = (callId: string) => callEventMessage('call.started', callId, 1, '2025-06-01T12:00:00.000Z', { callId });
  const ended = (callId: string) => callEventMessage('call.ended', callId, 1, '2025-06-01T12:01:00.000Z', { callId, outcome: 'completed' });

  it('POSTs each event signed the Standard Webhooks way, verifiable with the standardwebhooks library', async () => {
    const store = await openStore();
    const message = started('rtc_1');
    await enqueue(store, message);
    worker(store).start();
    const [got] = await receiver.waitFor((r) => r.length === 1);
    expect(got!.verified).toEqual({ type: 'call.started', timestamp: '2025-06-01T12:00:00.000Z', data: { callId: 'rtc_1' } });
    expect(got!.id).toBe(message.id);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.body).toBe(message.payload);
    await expect.poll(() => store.outboxStats()).toEqual({ pending: 0, dead: 0 });
  });

  it('a receiver failing twice gets the event on the third try, under the same id', async () => {
    const store = await openStore();
    receiver.respond = (n) => (n <= 2 ? 500 : 200);
    const attempts: string[] = [];
    await enqueue(store, started('rtc_r'));
    worker(store, { onAttempt: (a) => attempts.push(a.result) }).start();
    const got = await receiver.waitFor((r) => r.length === 3);
    expect(got.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(got.map((r) => r.id)).size).toBe(1);
    expect(got.every((r) => r.verified !== null)).toBe(true);
    await expect.poll(() => attempts).toEqual(['retry', 'retry', 'delivered']);
    expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0 });
    expect(receiver.received).toHaveLength(3); // delivered: not sent again
  });

  it('delivers after a restart what an earlier process could not', async () => {
    const first = await openStore();
    receiver.respond = () => 503;
    await enqueue(first, started('rtc_a'), ended('rtc_a'), started('rtc_b'));
    const w1 = worker(first);
    w1.start();
    await receiver.waitFor((r) => r.length >= 2);
    await w1.stop();
    await first.close();
    expect(receiver.received.every((r) => r.status === 503)).toBe(true);

    receiver.respond = () => 200;
    const second = await openStore(); // same file: the process came back
    expect((await second.outboxStats()).pending).toBe(3);
    worker(second).start();
    const got = await receiver.waitFor((r) => r.filter((x) => x.status === 200).length === 3);
    const delivered = got.filter((r) => r.status === 200).map((r) => `${r.verified?.type} ${r.verified?.data.callId as string}`);
    expect(delivered.sort()).toEqual(['call.ended rtc_a', 'call.started rtc_a', 'call.started rtc_b']);
    await expect.poll(() => second.outboxStats()).toEqual({ pending: 0, dead: 0 });
  });

  it("sends a call's events in order: call.ended waits for call.started", async () => {
    const store = await openStore();
    receiver.respond = (n, body) => (n === 1 && body.includes('call.started') ? 500 : 200);
    await enqueue(store, started('rtc_o'), ended('rtc_o'));
    worker(store).start();
    const got = await receiver.waitFor((r) => r.some((x) => x.verified?.type === 'call.ended' && x.status === 200));
    expect(got.map((r) => `${r.verified?.type} ${r.status}`)).toEqual(['call.started 500', 'call.started 200', 'call.ended 200']);
  });

  it('gives up after the last attempt and leaves the message as dead', async () => {
    const store = await openStore();
    receiver.respond = () => 410;
    const attempts: string[] = [];
    await enqueue(store, started('rtc_d'));
    worker(store, { maxAttempts: 3, onAttempt: (a) => attempts.push(a.result) }).start();
    await receiver.waitFor((r) => r.length === 3);
    await expect.poll(() => store.outboxStats()).toEqual({ pending: 0, dead: 1 });
    expect(attempts).toEqual(['retry', 'retry', 'dead']);
  });

  it('on stop, an attempt still waiting for the receiver is dropped and due again after restart', async () => {
    const store = await openStore();
    receiver.respond = (n) => (n === 1 ? 'hang' : 200);
    await enqueue(store, started('rtc_h'));
    const w = worker(store, { leaseMs: 60_000 });
    w.start();
    await receiver.waitFor((r) => r.length === 1);
    await w.stop(10);
    expect((await store.outboxStats()).pending).toBe(1);
    worker(store).start(); // without the released lease this would wait 60 s
    const got = await receiver.waitFor((r) => r.length === 2);
    expect(got[1]!.id).toBe(got[0]!.id);
  });

  it("counts a 200 as delivered without reading the receiver's body (an endless one is cancelled)", async () => {
    let closed!: () => void;
    const bodyClosed = new Promise<void>((resolve) => (closed = resolve));
    let sentBytes = 0;
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const drip = setInterval(() => {
        sentBytes += chunk.length;
        res.write(chunk);
      }, 5);
      res.on('close', () => {
        clearInterval(drip);
        closed();
      });
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      endless.closeAllConnections();
      endless.close();
    });
    const store = await openStore();
    await enqueue(store, started('rtc_e'));
    const attempts: string[] = [];
    worker(store, {
      url: `http://127.0.0.1:${(endless.address() as AddressInfo).port}/events`,
      timeoutMs: 60_000,
      onAttempt: (a) => attempts.push(a.result),
    }).start();
    await expect.poll(() => attempts, { timeout: 10_000 }).toEqual(['delivered']);
    await bodyClosed;
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('kick() sends new messages without waiting for the poll', async () => {
    const store = await openStore();
    const w = worker(store, { pollMs: 60_000 });
    w.start();
    await new Promise((r) => setTimeout(r, 20));
    await enqueue(store, started('rtc_k'));
    w.kick();
    await receiver.waitFor((r) => r.length === 1);
  });
});
