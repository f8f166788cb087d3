// Several real server processes on one PostgreSQL schema, one emulator: claims, relayed
// commands, takeover after kill -9, hand-over on SIGTERM, and a lone instance restarted.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord as EmulatedRecord } from '../src/emulator/index.ts';
import { type ClusterStack, type Instance, startClusterStack } from './support/cluster-stack.ts';
import { waitFor } from './support/server-process.ts';

const transferCall = { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } };
// The emulator's caller waits this long for a control socket before a step: long enough for a takeover.
const patient = { socketTimeoutMs: 20_000, greetingWaitMs: 5_000, idleHangupMs: 60_000 };

const okAccepts = (r: EmulatedRecord) => r.accepts.filter((a) => a.status === 200).length;
const greetings = (r: EmulatedRecord) =>
  r.clientEvents.filter(
    (e) =>
      (e.event as { type?: string; response?: { instructions?: string } }).type === 'response.create' &&
      /greet/i.test((e.event as { response?: { instructions?: string } }).response?.instructions ?? ''),
  ).length;
const typesOf = (record: { timeline: { type: string }[] }, type: string) => record.timeline.filter((e) => e.type === type).length;

async function callRecord(instance: Instance, callId: string, pred: (r: any) => boolean, what: string) {
  return waitFor(
    async () => {
      const r = await instance.api(`/calls/${callId}`).catch(() => null);
      return r?.status === 200 && pred(r.body) ? r.body : undefined;
    },
    what,
    15_000,
  );
}

let stack: ClusterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('several instances on one PostgreSQL', { timeout: 60_000 }, () => {
  it('the same delivery to two instances at once gets one accept and one control socket; retries to either get none more', async () => {
    stack = await startClusterStack();
    const a = await stack.start('a');
    const b = await stack.start('b');
    const call = stack.emulator.createCall({ ...patient, steps: [{ wait: 60_000 }] });
    const answers = await stack.deliverTo(call.id, [a, b]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const record = stack.emulator.call(call.id)!;
    await waitFor(() => (record.connectionCount > 0 ? true : undefined), 'the control socket');
    const owned = await callRecord(b, call.id, (r) => r.live && r.owner !== null, 'the owner');
    expect([a, b].map((i) => i.name)).toContain(owned.owner);

    // OpenAI retries at the other instance (and at the first): answered, never accepted again.
    const retries = await stack.deliverTo(call.id, [b, a, b]);
    expect(retries.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(okAccepts(record)).toBe(1);
    expect(record.accepts).toHaveLength(1);
    expect(record.connectionCount).toBe(1);
    expect(greetings(record)).toBe(1);

    // The refusal is counted where it happened: once (the owner answers its own retries from memory, the
    // other instance its repeats from its first answer).
    const refused = await Promise.all(
      [a, b].map(async (i) => /switchboard_cluster_claims_refused_total (\d+)/.exec(await (await fetch(`${i.base}/metrics`)).text())?.[1]),
    );
    expect(refused.map(Number).reduce((x, y) => x + y, 0)).toBe(1);
    expect((await a.api(`/calls/${call.id}/hangup`, { method: 'POST' })).status).toBe(200);
  });

  it('operator say, transfer and hang-up sent to the instance that does not hold the call reach it', async () => {
    stack = await startClusterStack();
    const a = await stack.start('a');
    const b = await stack.start('b');
    const call = stack.emulator.createCall({ ...patient, steps: [{ wait: 60_000 }] });
    await stack.deliverTo(call.id, [a]);
    const record = stack.emulator.call(call.id)!;
    const detail = await callRecord(b, call.id, (r) => r.live && r.owner !== null, 'the call live, seen from b');
    expect(detail.owner).toBe('a');

    const said = await b.api(`/calls/${call.id}/say`, { body: { text: 'Offer a callback tomorrow.' } });
    expect(said).toEqual({ status: 202, body: { callId: call.id, status: 'instructed' } });
    await waitFor(
      () => (record.clientEvents.some((e) => JSON.stringify(e.event).includes('Offer a callback tomorrow.')) ? true : undefined),
      'the instruction on the call',
    );
    const transferred = await b.api(`/calls/${call.id}/transfer`, { body: { target: '+19195550111' } });
    expect(transferred.status).toBe(200);
    expect(transferred.body).toMatchObject({ callId: call.id, status: 'transferring' });
    expect(record.refers.map((r) => r.targetUri)).toEqual([expect.stringContaining('+19195550111')]);

    const second = stack.emulator.createCall({ ...patient, steps: [{ wait: 60_000 }] });
    await stack.deliverTo(second.id, [a]);
    await callRecord(b, second.id, (r) => r.live, 'the second call live');
    expect((await b.api(`/calls/${second.id}/hangup`, { method: 'POST' })).status).toBe(200);
    await waitFor(() => (stack!.emulator.call(second.id)!.hangups.length > 0 ? true : undefined), 'the hang-up');
    // A call that is over: a plain 404, from either instance.
    await callRecord(b, second.id, (r) => r.outcome !== 'in_progress', 'the second call ended');
    expect((await b.api(`/calls/${second.id}/say`, { body: { text: 'hello?' } })).body).toMatchObject({ error: 'not_live' });
  });

  it('kill -9 of the owner: another instance re-attaches within the target, without a second greeting, and a transfer after it reaches the REFER', async () => {
    stack = await startClusterStack();
    const a = await stack.start('a');
    const b = await stack.start('b');
    const call = stack.emulator.createCall({ ...patient, steps: [{ say: 'Hello, is anyone there?' }, { wait: 2_500 }, transferCall] });
    await stack.deliverTo(call.id, [a]);
    const record = stack.emulator.call(call.id)!;
    await callRecord(b, call.id, (r) => typesOf(r, 'transcript') > 0, 'the caller heard');

    a.proc.kill('SIGKILL');
    await a.exited;
    await waitFor(() => (record.refers.length > 0 ? true : undefined), 'the REFER after the takeover', 20_000);
    const [first, second] = record.connections;
    expect(second).toBeDefined();
    expect(second!.connectedAt - first!.closedAt!).toBeLessThan(10_000);
    expect(okAccepts(record)).toBe(1);
    expect(greetings(record)).toBe(1);
    expect(record.functionCalls).toHaveLength(1);

    const ended = await callRecord(b, call.id, (r) => r.outcome !== 'in_progress', 'the record closed');
    expect(record.functionCalls[0]!.outputs.length).toBeLessThanOrEqual(1);
    expect(record.refers).toHaveLength(1);
    expect(ended.outcome).toBe('transferred');
    expect(typesOf(ended, 'greeting.requested')).toBe(1);
    expect(typesOf(ended, 'control.reattached')).toBe(1);
    expect(typesOf(ended, 'call.ended')).toBe(1);
    expect(typesOf(ended, 'tool.completed')).toBe(1);
    const metrics = await (await fetch(`${b.base}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_cluster_takeovers_total\{outcome="attached"\} 1/);
  });

  it('SIGTERM with a peer alive: the calls go on at the peer, none is hung up', async () => {
    stack = await startClusterStack({ env: { DRAIN_TIMEOUT_MS: '30000' } });
    const a = await stack.start('a');
    const b = await stack.start('b');
    const calls = [0, 1].map(() =>
      stack!.emulator.createCall({ ...patient, steps: [{ say: 'Hi there.' }, { wait: 2_000 }, transferCall] }),
    );
    for (const call of calls) await stack.deliverTo(call.id, [a]);
    for (const call of calls) await callRecord(b, call.id, (r) => typesOf(r, 'transcript') > 0 && r.owner === 'a', 'the call on a');

    a.proc.kill('SIGTERM');
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    for (const call of calls) {
      const record = stack.emulator.call(call.id)!;
      await waitFor(() => (record.refers.length > 0 ? true : undefined), 'the REFER on the peer', 20_000);
      expect(record.hangups).toHaveLength(0);
      expect(record.connectionCount).toBe(2);
      expect(greetings(record)).toBe(1);
      const ended = await callRecord(b, call.id, (r) => r.outcome !== 'in_progress', 'the record closed');
      expect(ended.outcome).toBe('transferred');
      expect(typesOf(ended, 'control.reattached')).toBe(1);
      expect(typesOf(ended, 'call.ended')).toBe(1);
    }
    expect(a.output()).toMatch(/every call handed over/);
  });

  it("one SIP call's two webhooks (Realtime and GPT-Live) at two instances, in either order, get one accept", async () => {
    stack = await startClusterStack();
    // Two instances that disagree on the agent's surface (a change rolling out): each would accept
    // its own surface's webhook; the claim on the INVITE's Call-ID and From tag lets one through.
    const a = await stack.start('a', { AGENT_SURFACE: 'realtime' });
    const b = await stack.start('b', { AGENT_SURFACE: 'live' });
    const both = (scenario: object) =>
      stack!.emulator.createCall({ ...patient, webhooks: ['realtime', 'live'], steps: [{ wait: 60_000 }], ...scenario });

    // At once: whichever claims first accepts on its surface; the other is answered without accepting.
    const together = both({});
    const answers = await Promise.all([stack.deliverTo(together.id, [a]), stack.deliverTo(together.liveSessionId, [b])]);
    expect(answers.flat().map((r) => r.status)).toEqual([200, 200]);
    const record = stack.emulator.call(together.id)!;
    expect(okAccepts(record)).toBe(1);
    expect(record.accepts).toHaveLength(1);
    await waitFor(() => (record.connectionCount > 0 ? true : undefined), 'the control socket');

    // GPT-Live first, at b: accepted there; the Realtime webhook at a finds the call taken.
    const liveFirst = both({});
    expect((await stack.deliverTo(liveFirst.liveSessionId, [b]))[0]!.status).toBe(200);
    const taken = (await stack.deliverTo(liveFirst.id, [a]))[0]!;
    expect(taken.status).toBe(200);
    expect(JSON.parse(taken.body)).toMatchObject({ callId: liveFirst.id, owner: 'b' });
    const second = stack.emulator.call(liveFirst.id)!;
    expect(second.accepts.map((x) => [x.surface, x.status])).toEqual([['live', 200]]);
    await callRecord(a, liveFirst.liveSessionId, (r) => r.live && r.owner === 'b' && r.surface === 'live', 'the Live call, seen from a');
    for (const id of [together.id, together.liveSessionId, liveFirst.liveSessionId]) await a.api(`/calls/${id}/hangup`, { method: 'POST' });
  });
});

describe('one instance restarted after kill -9', { timeout: 60_000 }, () => {
  for (const store of ['sqlite', 'postgres'] as const) {
    it(`re-attaches its calls (${store})`, async () => {
      stack = await startClusterStack({ store });
      const first = await stack.start('solo');
      const call = stack.emulator.createCall({ ...patient, steps: [{ say: 'Are you still there?' }, { wait: 4_000 }, transferCall] });
      await stack.deliverTo(call.id, [first]);
      const record = stack.emulator.call(call.id)!;
      await callRecord(first, call.id, (r) => typesOf(r, 'transcript') > 0, 'the caller heard');
      await new Promise((r) => setTimeout(r, 300)); // its record written (STORE_BATCH_MS is 100 here)

      first.proc.kill('SIGKILL');
      await first.exited;
      const again = await stack.start('solo');
      await waitFor(() => (record.refers.length > 0 ? true : undefined), 'the REFER after the restart', 20_000);
      expect(record.connectionCount).toBe(2);
      expect(greetings(record)).toBe(1);
      const ended = await callRecord(again, call.id, (r) => r.outcome !== 'in_progress', 'the record closed');
      expect(ended.outcome).toBe('transferred');
      expect(typesOf(ended, 'control.reattached')).toBe(1);
      expect(typesOf(ended, 'call.ended')).toBe(1);
    });
  }
});
