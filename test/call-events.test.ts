// Call-event webhooks to the operator's systems, end to end: real server, emulator, and a real receiver verifying with standardwebhooks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReceivedEvent, startTestReceiver, type TestReceiver } from '../src/testing/test-receiver.ts';
import { type RecordsStack, startRecordsStack, waitFor } from './support/records-stack.ts';

const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const fastRetries = { pollMs: 20, retryBaseMs: 30, retryMaxMs: 200 };

let stack: RecordsStack | undefined;
let receiver: TestReceiver | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const transferScenario = {
  steps: [{ say: "Hi, I'd like to speak to a person." }, { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } }],
};

function start(r: TestReceiver, dir?: string) {
  return startRecordsStack({
    env: { CALL_EVENTS_URL: r.url, CALL_EVENTS_SECRET: secret },
    server: { callEventsDelivery: fastRetries },
    ...(dir ? { dir } : {}),
  });
}

const delivered = (received: ReceivedEvent[]) => received.filter((r) => r.status >= 200 && r.status < 300);
const typesOf = (received: ReceivedEvent[]) => received.map((r) => r.verified?.type);

describe('call-event webhooks', () => {
  it('POSTs call.started, call.transferred and call.ended, each verifiable with the standardwebhooks library', async () => {
    receiver = await startTestReceiver(secret);
    stack = await start(receiver);
    const call = await stack.emulator.placeCall(transferScenario);
    const emulated = await call.ended;
    const got = await receiver.waitFor((r) => delivered(r).length === 3);

    expect(got.every((r) => r.verified !== null)).toBe(true);
    expect(typesOf(got)).toEqual(['call.started', 'call.transferred', 'call.ended']);
    expect(new Set(got.map((r) => r.id)).size).toBe(3);
    const [started, transferred, ended] = got.map((r) => r.verified!);
    expect(started!.data).toMatchObject({ callId: call.id, caller: '+19195551234', dialed: '+19195550000', profile: 'default' });
    expect(transferred!.data).toMatchObject({ callId: call.id, target: 'sip:+19195554321@67.231.5.176:5061;transport=tls' });
    // call.ended carries the whole record with its transcript
    expect(ended!.data).toMatchObject({
      callId: call.id,
      outcome: 'transferred',
      transfer: { status: 'referred' },
      tools: [{ name: 'transfer_call' }],
    });
    expect((ended!.data.transcript as { text: string }[]).map((t) => t.text)).toEqual(emulated.transcript.map((t) => t.text));
    expect((ended!.data.usage as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    expect(Date.parse(ended!.timestamp)).toBe(Date.parse(ended!.data.endedAt as string));
    await waitFor(async () => (await stack!.store.outboxStats()).pending === 0, 'an empty outbox');
  });

  it('a receiver that fails twice gets the event on the third try, under the same id', async () => {
    receiver = await startTestReceiver(secret);
    const failFirstTwo = new Map<string, number>();
    receiver.respond = (_n, body) => {
      const type = JSON.parse(body).type as string;
      const seen = (failFirstTwo.get(type) ?? 0) + 1;
      failFirstTwo.set(type, seen);
      return type === 'call.started' && seen <= 2 ? 500 : 204;
    };
    stack = await start(receiver);
    const call = await stack.emulator.placeCall({ steps: [{ say: 'hello' }, { hangup: true }] });
    await call.ended;
    const got = await receiver.waitFor((r) => delivered(r).length === 2);
    const started = got.filter((r) => r.verified?.type === 'call.started');
    expect(started.map((r) => r.status)).toEqual([500, 500, 204]);
    expect(new Set(started.map((r) => r.id)).size).toBe(1);
    // call.ended waited for call.started: a call's events arrive in order
    expect(got.map((r) => `${r.verified?.type} ${r.status}`)).toEqual([
      'call.started 500',
      'call.started 500',
      'call.started 204',
      'call.ended 204',
    ]);
    const metrics = await (await fetch(`${stack.serverUrl}/metrics`)).text();
    expect(metrics).toContain('switchboard_call_events_attempts_total{type="call.started",result="retry"} 2');
    expect(metrics).toContain('switchboard_call_events_attempts_total{type="call.started",result="delivered"} 1');
  });

  it('a restart with undelivered events delivers them, under the ids first tried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-restart-'));
    dirs.push(dir);
    receiver = await startTestReceiver(secret);
    receiver.respond = () => 503; // the operator's system is down
    stack = await start(receiver, dir);
    const call = await stack.emulator.placeCall(transferScenario);
    await call.ended;
    await receiver.waitFor((r) => r.length >= 1);
    await stack.close(); // SIGTERM path: drain, final flush, outbox stops
    stack = undefined;
    const triedBefore = new Set(receiver.received.map((r) => r.id));
    expect(delivered(receiver.received)).toEqual([]);

    receiver.respond = () => 200; // it is back; so is Switchboard, on the same data
    stack = await start(receiver, dir);
    const got = await receiver.waitFor((r) => delivered(r).length === 3);
    const ok = delivered(got);
    expect(typesOf(ok)).toEqual(['call.started', 'call.transferred', 'call.ended']);
    expect(ok.every((r) => r.verified?.data.callId === call.id)).toBe(true);
    for (const id of triedBefore) expect(ok.map((r) => r.id)).toContain(id);
    await waitFor(async () => (await stack!.store.outboxStats()).pending === 0, 'an empty outbox');
  });
});
