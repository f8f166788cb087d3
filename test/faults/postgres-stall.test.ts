// Row: a PostgreSQL connection that stops answering (no reset, just silence).
// Before: record writing and call-event delivery stalled for good, and SIGTERM never finished.
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const quickCall = { idleHangupMs: 100, greetingWaitMs: 500, steps: [{ say: 'Just checking my order.' }, { hangup: true as const }] };
const env = { DATABASE_TIMEOUT_MS: '600', DRAIN_TIMEOUT_MS: '500' };

describe('PostgreSQL goes silent', () => {
  it('writes and call events resume when it answers again: nothing is lost', async () => {
    stack = await startFaultStack({ postgres: true, callEvents: true, env });
    const s = stack;
    const before = await s.emulator.placeCall(quickCall);
    await before.ended;
    await s.receiver!.waitFor(() => s.callEvents(before.id).some((e) => e.verified?.type === 'call.ended'));

    s.pgProxy!.stall();
    const during = await s.emulator.placeCall(quickCall);
    await during.ended; // the call itself never waits for the database
    await waitFor(
      () => (s.server.logs().some((l) => l.msg === 'writing call records failed; will retry') ? true : undefined),
      'a failed write',
      8_000,
    );
    s.pgProxy!.resume();

    const after = await s.emulator.placeCall(quickCall);
    await after.ended;
    for (const call of [during, after]) {
      const ended = await s.receiver!.waitFor(() => s.callEvents(call.id).some((e) => e.verified?.type === 'call.ended'), 15_000);
      expect(ended.length).toBeGreaterThan(0);
      const stored = await waitFor(
        async () => {
          const page = (await (await s.api(`/api/calls?limit=10`)).json()) as { calls: { callId: string; outcome: string }[] };
          return page.calls.find((c) => c.callId === call.id && c.outcome === 'completed');
        },
        `the stored record of ${call.id}`,
        10_000,
      );
      expect(stored.outcome).toBe('completed');
    }
    expect((await s.record(during.id))?.transcript.map((t: { text: string }) => t.text)).toContain('Just checking my order.');
  }, 45_000);

  it('SIGTERM while it is silent: the final flush is bounded and the process exits', async () => {
    stack = await startFaultStack({ postgres: true, env });
    const s = stack;
    const call = await s.emulator.placeCall(quickCall);
    await call.ended;
    s.pgProxy!.stall();
    const during = await s.emulator.placeCall(quickCall);
    await during.ended;
    const sentAt = performance.now();
    s.server.proc.kill('SIGTERM');
    const exit = await s.server.exited;
    expect(exit.code).not.toBeNull();
    // DRAIN_TIMEOUT_MS (0.5 s) plus the bounded flush and close: well under the 10 s ceiling.
    expect(exit.at - sentAt).toBeLessThan(10_500);
    expect(s.server.output()).toContain('"msg":"stopped"');
  }, 45_000);
});
