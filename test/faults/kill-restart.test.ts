// Row: kill -9 with live calls.
// Before: their records stayed in_progress forever (listed Live, never purged), their event streams never ended, call.ended never sent.
import { afterEach, describe, expect, it } from 'vitest';
import { readSse } from '../support/records-stack.ts';
import { type FaultStack, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const stored = async (s: FaultStack, callId: string) => {
  const page = (await (await s.api('/api/calls?limit=20')).json()) as { calls: { callId: string; outcome: string }[] };
  return page.calls.find((c) => c.callId === callId);
};

describe('kill -9 with live calls, then a restart', () => {
  it('re-attaches the call still alive (no second greeting, tools work) and closes the one that ended as instance_lost', async () => {
    stack = await startFaultStack({ callEvents: true });
    const s = stack;
    // Alive across the restart: talks again afterwards and asks for a transfer.
    const alive = await s.emulator.placeCall({
      socketTimeoutMs: 15_000,
      steps: [
        { say: 'Hello, I have a question.' },
        { wait: 2_500 },
        { say: 'Can you put me through to a person?' },
        { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } },
      ],
    });
    // Hangs up while the server is down.
    const gone = await s.emulator.placeCall({ steps: [{ say: 'Just a quick one.' }, { wait: 1_500 }, { hangup: true }] });
    await waitFor(async () => ((await stored(s, alive.id)) && (await stored(s, gone.id)) ? true : undefined), 'both calls in the store');
    const callerSpoke = (id: string) => s.emulator.call(id)?.transcript.some((l) => l.speaker === 'caller');
    await waitFor(() => (callerSpoke(alive.id) && callerSpoke(gone.id) ? true : undefined), 'both callers talking');
    // Their first words are written before the crash.
    await waitFor(
      async () => ((await s.record(alive.id))?.transcript.some((t: { speaker: string }) => t.speaker === 'caller') ? true : undefined),
      'the first turn',
    );
    await new Promise((r) => setTimeout(r, 300));

    s.server.proc.kill('SIGKILL');
    await s.server.exited;
    await gone.ended;
    await s.restart();

    // The ended call: closed once, as instance_lost; its event stream ends.
    const lost = await waitFor(async () => {
      const r = await s.record(gone.id);
      return r?.outcome !== 'in_progress' ? r : undefined;
    }, 'the lost call to be closed');
    expect(lost).toMatchObject({ outcome: 'failed', endReason: 'instance_lost', caller: '+19195551234' });
    const events = await readSse(await s.api(`/api/calls/${gone.id}/events`));
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { outcome: 'failed', endReason: 'instance_lost' } });

    // The live call: controlled again, not greeted twice, and its transfer reaches the REFER.
    const record = await alive.ended;
    expect(record.endedBy).toBe('refer');
    expect(record.functionCalls[0]?.outputs).toHaveLength(1);
    expect(record.responses.filter((r) => r.origin === 'client' && r.requestedAt < (record.functionCalls[0]?.issuedAt ?? 0))).toHaveLength(
      1,
    );
    const back = await waitFor(async () => {
      const r = await s.record(alive.id);
      return r?.outcome !== 'in_progress' ? r : undefined;
    }, 'the re-attached call to end');
    expect(back).toMatchObject({ outcome: 'transferred', transfer: { status: 'referred' } });
    const types = back!.timeline.map((e: { type: string }) => e.type);
    expect(types).toContain('control.reattached');
    expect(types.filter((t: string) => t === 'greeting.requested')).toHaveLength(1);
    expect(back!.transcript.map((t: { text: string }) => t.text)).toEqual(
      expect.arrayContaining(['Hello, I have a question.', 'Can you put me through to a person?']),
    );

    // call.ended exactly once per call.
    for (const id of [alive.id, gone.id]) {
      await s.receiver!.waitFor(() => s.callEvents(id).some((e) => e.verified?.type === 'call.ended'));
      expect(s.callEvents(id).filter((e) => e.verified?.type === 'call.ended')).toHaveLength(1);
    }
  }, 40_000);
});
