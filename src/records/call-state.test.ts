import { describe, expect, it } from 'vitest';
import { accepted, fixtureSipHeaders, transferCall } from '../../test/support/call-event-fixtures.ts';
import type { CallEvent } from '../calls/call-events.ts';
import { CallState } from './call-state.ts';

const t0 = Date.parse('2025-06-01T12:00:00.000Z');

function fold(events: CallEvent[]): { state: CallState; wanted: string[] } {
  const state = new CallState(events[0]!.callId, new Date(t0).toISOString());
  const wanted: string[] = [];
  events.forEach((e, i) => {
    for (const w of state.apply(e, t0 + i * 1000).wanted) wanted.push(w.type);
  });
  return { state, wanted };
}

describe('CallState', () => {
  it('folds a transferred call into a complete record', () => {
    const { state, wanted } = fold(transferCall('rtc_t'));
    const detail = state.detail();
    expect(detail).toMatchObject({
      callId: 'rtc_t',
      caller: '+19195551234',
      dialed: '+18005550100',
      sipCallId: 'b2b-1234@10.0.0.1',
      sipHeaders: fixtureSipHeaders,
      profile: 'default',
      outcome: 'transferred',
      endReason: 'transferred',
      startedAt: new Date(t0 - 120).toISOString(), // the webhook arrived answerMs before the accept
      acceptedAt: new Date(t0).toISOString(),
      connectedAt: new Date(t0 + 1000).toISOString(),
      endedAt: '2025-06-01T12:01:00.000Z',
      answerMs: 120,
      transfer: { target: 'sip:+19195554321@67.231.5.176:5061;transport=tls', status: 'referred', error: null, durationMs: 35 },
      usage: { inputTokens: 300, outputTokens: 70, totalTokens: 370 },
      tools: [
        {
          toolCallId: 'tc_1',
          name: 'transfer_call',
          arguments: '{"reason":"wants a person"}',
          output: { ok: true, status: 'transferring' },
          durationMs: 36,
          error: null,
        },
      ],
      errors: [],
    });
    expect(detail.transcript.map((t) => [t.seq, t.speaker, t.text, t.interrupted])).toEqual([
      [1, 'agent', 'Hello! How can I assist you today?', false],
      [2, 'caller', 'I would like to talk to a person, please.', false],
    ]);
    expect(detail.timeline.map((e) => e.seq)).toEqual(detail.timeline.map((_, i) => i + 1));
    expect(detail.timeline.map((e) => e.type)).toEqual(transferCall('x').map((e) => e.type));
    // the timeline keeps what matters without repeating the record or leaking monotonic clocks
    expect(detail.timeline[0]!.data).toEqual({ profile: 'default', answerMs: 120, attempts: 1 });
    expect(detail.timeline.at(-1)!.data).toEqual({ reason: 'transferred', endedAt: '2025-06-01T12:01:00.000Z' });
    expect(state.ended).toBe(true);
    expect(wanted).toEqual(['call.started', 'call.transferred']);
    expect(state.finish()!.type).toBe('call.ended');
    const quiet = new CallState('rtc_quiet', new Date().toISOString());
    expect(quiet.finish(false)).toBeNull(); // call-event webhooks off: nothing built
    expect(quiet.finalized).toBe(true);
  });

  it('marks an agent turn cut off by barge-in, whether the cut comes before or after its transcript', () => {
    const { state } = fold([
      accepted('rtc_i'),
      { type: 'transcript', callId: 'rtc_i', speaker: 'agent', text: 'Our opening hours are nine to', itemId: 'item_1' },
      { type: 'transcript.interrupted', callId: 'rtc_i', itemId: 'item_1' },
      { type: 'transcript', callId: 'rtc_i', speaker: 'caller', text: 'Sorry, just the address', itemId: 'item_2' },
      { type: 'transcript.interrupted', callId: 'rtc_i', itemId: 'item_3' },
      { type: 'transcript', callId: 'rtc_i', speaker: 'agent', text: 'We are at', itemId: 'item_3' },
      { type: 'transcript', callId: 'rtc_i', speaker: 'agent', text: 'Goodbye!', itemId: 'item_4' },
    ]);
    expect(state.detail().transcript.map((t) => [t.itemId, t.interrupted])).toEqual([
      ['item_1', true],
      ['item_2', false],
      ['item_3', true],
      ['item_4', false],
    ]);
  });

  it.each([
    ['caller_hangup', true, 'completed'],
    ['agent_hangup', true, 'completed'],
    ['operator_hangup', true, 'completed'],
    ['drain_timeout', true, 'completed'],
    ['control_lost', true, 'failed'],
    ['gone', false, 'missed'],
    ['gone', true, 'completed'],
  ] as const)('an accepted call ending with %s (connected: %s) is %s', (reason, connected, outcome) => {
    const events: CallEvent[] = [accepted('rtc_o')];
    if (connected) events.push({ type: 'control.connected', callId: 'rtc_o', attempt: 0 });
    events.push({ type: 'call.ended', callId: 'rtc_o', reason, endedAt: t0 + 5000 });
    const { state } = fold(events);
    expect(state.record.outcome).toBe(outcome);
    expect(state.record.endReason).toBe(reason);
  });

  it('records rejected, missed and failed calls with who called', () => {
    const parties = (accepted('x') as Extract<CallEvent, { type: 'call.accepted' }>).parties;
    const rejected = fold([
      { type: 'call.rejected', callId: 'r', parties, sipHeaders: fixtureSipHeaders, statusCode: 486, reason: 'blocked caller' },
    ]).state;
    expect(rejected.record).toMatchObject({
      outcome: 'rejected',
      endReason: 'blocked caller',
      caller: '+19195551234',
      endedAt: new Date(t0).toISOString(),
    });
    expect(rejected.timeline[0]!.data).toEqual({ statusCode: 486, reason: 'blocked caller' });
    expect(fold([{ type: 'call.missed', callId: 'm', parties, sipHeaders: [] }]).state.record.outcome).toBe('missed');
    const failed = fold([{ type: 'call.failed', callId: 'f', parties, sipHeaders: [], message: 'accepting the call failed: HTTP 500' }])
      .state.record;
    expect(failed).toMatchObject({ outcome: 'failed', endReason: 'accept_failed' });
    expect(failed.errors).toEqual([
      { at: new Date(t0).toISOString(), message: 'accepting the call failed: HTTP 500', code: 'accept_failed' },
    ]);
  });

  it('counts reconnects, keeps the first connection time and collects errors', () => {
    const { state } = fold([
      accepted('rtc_r'),
      { type: 'control.connected', callId: 'rtc_r', attempt: 0 },
      { type: 'control.reconnecting', callId: 'rtc_r', attempt: 1, delayMs: 250, code: 1006 },
      { type: 'control.connected', callId: 'rtc_r', attempt: 1 },
      { type: 'error', callId: 'rtc_r', message: 'bad event', code: 'invalid_value' },
      { type: 'transfer.completed', callId: 'rtc_r', target: '', ok: false, error: 'no_sip_host', durationMs: 0 },
    ]);
    expect(state.record.reconnects).toBe(1);
    expect(state.record.connectedAt).toBe(new Date(t0 + 1000).toISOString());
    expect(state.record.errors).toEqual([{ at: new Date(t0 + 4000).toISOString(), message: 'bad event', code: 'invalid_value' }]);
    expect(state.record.transfer).toMatchObject({ target: '', status: 'failed', error: 'no_sip_host' });
    expect(state.ended).toBe(false);
  });

  it('the call.ended webhook carries the record and its transcript, not the timeline', () => {
    const { state } = fold(transferCall('rtc_w'));
    const w = state.finish()!;
    expect(w.data).toMatchObject({ callId: 'rtc_w', outcome: 'transferred', transcript: [{ seq: 1 }, { seq: 2 }] });
    expect(w.data).not.toHaveProperty('timeline');
    expect(w.at).toBe('2025-06-01T12:01:00.000Z');
  });

  it('snapshots a record that later events do not change (what a batch write holds)', () => {
    const events = transferCall('rtc_s');
    const state = new CallState('rtc_s', new Date(t0).toISOString());
    // Up to and including tool.called: usage so far 150, one tool without output.
    events.slice(0, 7).forEach((e, i) => state.apply(e, t0 + i * 1000));
    const snap = state.snapshot();
    const before = structuredClone(snap);
    events.slice(7).forEach((e, i) => state.apply(e, t0 + (7 + i) * 1000));
    expect(snap).toEqual(before);
    expect(snap.usage.totalTokens).toBe(150);
    expect(snap.tools[0]?.output).toBeNull();
    expect(state.snapshot().usage.totalTokens).toBe(370);
    expect(state.snapshot().tools[0]?.output).toEqual({ ok: true, status: 'transferring' });
  });
});
