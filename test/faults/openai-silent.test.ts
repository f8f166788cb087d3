// Rows: a REFER that never answers; SIGTERM while OpenAI is unreachable.
// Before: no REFER timeout (the caller heard silence) and, at shutdown, "stopped" logged but the process stayed alive.
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultStack, isGone, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('OpenAI does not answer', () => {
  it('a REFER that never answers fails at its deadline: the agent tells the caller, and SIGTERM still exits', async () => {
    stack = await startFaultStack({ env: { CALL_CONTROL_TIMEOUT_MS: '800', REFER_TIMEOUT_MS: '800' } });
    const s = stack;
    const call = await s.emulator.placeCall({
      faults: { refer: { never: true } },
      idleHangupMs: 200,
      steps: [
        { say: 'Put me through to a person, please.' },
        { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } },
        { say: 'OK, thanks anyway.' },
        { hangup: true },
      ],
    });
    const ended = await call.ended;
    const output = ended.functionCalls[0]?.outputs[0]?.output ?? '';
    expect(JSON.parse(output)).toMatchObject({ ok: false, error: 'transfer_failed' });
    // The agent was told to say so: a response followed the failed transfer.
    const outputAt = ended.functionCalls[0]!.outputs[0]!.at;
    expect(ended.responses.some((r) => r.origin === 'client' && r.requestedAt >= outputAt)).toBe(true);
    const record = await waitFor(async () => {
      const r = await s.record(call.id);
      return r && r.outcome !== 'in_progress' ? r : undefined;
    }, 'the record');
    expect(record.transfer).toMatchObject({ status: 'failed' });
    expect(record.outcome).toBe('completed');

    // A second call whose REFER hangs at shutdown: the process still exits in bounded time.
    const stuck = await s.emulator.placeCall({
      faults: { refer: { never: true } },
      steps: [{ call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } }, { wait: 30_000 }],
    });
    await waitFor(() => (s.emulator.call(stuck.id)?.refers.length ? true : undefined), 'the REFER');
    const sentAt = performance.now();
    s.server.proc.kill('SIGTERM');
    const exit = await s.server.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sentAt).toBeLessThan(1_000 + 10_000);
  }, 45_000);

  it('SIGTERM while OpenAI is unreachable: live calls are ended here, records written, the process exits', async () => {
    stack = await startFaultStack({ proxyOpenAI: true, env: { DRAIN_TIMEOUT_MS: '500', CALL_CONTROL_TIMEOUT_MS: '500' } });
    const s = stack;
    // One call whose hangup OpenAI never answers, one cut off by the network going silent.
    const call = await s.emulator.placeCall({
      faults: { hangup: { never: true } },
      steps: [{ say: 'Tell me a long story.' }, { wait: 30_000 }],
    });
    const other = await s.emulator.placeCall({ steps: [{ say: 'And another one.' }, { wait: 30_000 }] });
    await waitFor(
      () => (s.emulator.call(call.id)?.greetingRequestedAt && s.emulator.call(other.id)?.greetingRequestedAt ? true : undefined),
      'the greetings',
    );
    const sentAt = performance.now();
    s.server.proc.kill('SIGTERM');
    await waitFor(() => (s.server.output().includes('"msg":"draining"') ? true : undefined), 'the drain');
    s.openaiProxy!.stall();
    const exit = await s.server.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sentAt).toBeLessThan(500 + 10_000);
    expect(s.server.output()).toContain('"msg":"stopped"');
    expect(isGone(s.server)).toBe(true);

    // The record was closed, not left in progress: a fresh start reads it from the store.
    s.openaiProxy!.resume();
    await s.restart();
    for (const id of [call.id, other.id]) expect(await s.record(id)).toMatchObject({ outcome: 'completed', endReason: 'drain_timeout' });
  }, 45_000);
});
