// Row: an accept that reaches OpenAI but answers after ACCEPT_DEADLINE_MS.
// Before: webhook 502, every retry got 400 call_not_pending, and the caller talked to an agent nobody controlled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ env: { ACCEPT_DEADLINE_MS: '500' } });
});
afterAll(() => stack?.close());

const conversation = [{ say: 'Can I talk to someone?' }, { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } }];

async function controlledAndRecorded(s: FaultStack, callId: string) {
  const ended = await s.emulator.call(callId)!;
  expect(ended.greetingRequestedAt).toBeDefined();
  expect(ended.functionCalls[0]?.outputs).toHaveLength(1);
  expect(ended.endedBy).toBe('refer');
  const record = await waitFor(async () => {
    const r = await s.record(callId);
    return r && r.outcome !== 'in_progress' ? r : undefined;
  }, 'the record');
  expect(record).toMatchObject({
    outcome: 'transferred',
    acceptedAt: expect.any(String),
    caller: '+19195551234',
    transfer: { status: 'referred' },
  });
  expect(record.timeline.filter((e: { type: string }) => e.type === 'greeting.requested')).toHaveLength(1);
  return record;
}

describe('an accept that lands late', () => {
  it('took effect but answered after the deadline: the control socket finds it, and the call is controlled', async () => {
    const call = await stack.emulator.placeCall({ faults: { accept: { answerAfterMs: 1500 } }, steps: conversation });
    await call.ended;
    await controlledAndRecorded(stack, call.id);
    expect(stack.emulator.call(call.id)!.connectionCount).toBe(1);
  });

  it('took effect after the deadline: the retried delivery gets call_not_pending, tries the socket, and controls the call', async () => {
    const call = await stack.emulator.placeCall({ faults: { accept: { delayMs: 700 } }, steps: conversation });
    await call.ended;
    const emulated = stack.emulator.call(call.id)!;
    expect(emulated.accepts.map((a) => a.error?.code ?? a.status)).toContain('call_not_pending');
    const record = await controlledAndRecorded(stack, call.id);
    expect(record.timeline.map((e: { type: string }) => e.type).slice(0, 2)).toEqual(['call.failed', 'call.accepted']);
  });
});
