// Row: one malformed event from OpenAI. Before: the whole process exited, every live call lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, isGone, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(() => stack?.close());

const variants = [
  { name: 'response.done without response', frame: { type: 'response.done', event_id: 'event_bad1' } },
  { name: 'error without error', frame: { type: 'error', event_id: 'event_bad2' } },
  {
    name: 'response.output_item.done without item',
    frame: { type: 'response.output_item.done', event_id: 'event_bad3', response_id: 'resp_1', output_index: 0 },
  },
  {
    name: 'a transcript that is a number',
    frame: {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'event_bad4',
      item_id: 'item_1',
      content_index: 0,
      transcript: 42,
    },
  },
];

describe('malformed events from OpenAI', () => {
  it('each of the four is logged with its type, dropped and counted; every call goes on to a complete record', async () => {
    const s = stack;
    const calls = await Promise.all(
      variants.map((v) =>
        s.emulator.placeCall({
          name: v.name,
          idleHangupMs: 200,
          steps: [{ frame: v.frame }, { say: 'Are you still there?' }, { hangup: true }],
        }),
      ),
    );
    await Promise.all(calls.map((c) => c.ended));
    expect(isGone(s.server)).toBe(false);

    for (const [i, call] of calls.entries()) {
      const record = await waitFor(async () => {
        const r = await s.record(call.id);
        return r && r.outcome !== 'in_progress' ? r : undefined;
      }, `the record of ${variants[i]!.name}`);
      expect(record, variants[i]!.name).toMatchObject({ outcome: 'completed', endReason: 'caller_hangup' });
      expect(record.transcript.map((t: { text: string }) => t.text)).toContain('Are you still there?');
    }
    const dropped = s.server.logs().filter((l) => l.msg === 'invalid server event dropped');
    expect(dropped.map((l) => l.eventType).sort()).toEqual([
      'conversation.item.input_audio_transcription.completed',
      'error',
      'response.done',
      'response.output_item.done',
    ]);
    expect(dropped.every((l) => typeof l.callId === 'string' && typeof l.problem === 'string')).toBe(true);
    expect(await s.metric('switchboard_server_events_invalid_total', 'type="response.done"')).toBe(1);
    expect(await s.metric('switchboard_server_events_invalid_total', 'type="error"')).toBe(1);
  });

  it('a raw frame that is not JSON is dropped the same way', async () => {
    const call = await stack.emulator.placeCall({
      idleHangupMs: 200,
      steps: [{ raw: '{"type": "response.done", ' }, { say: 'Hello?' }, { hangup: true }],
    });
    await call.ended;
    expect(isGone(stack.server)).toBe(false);
    const s = stack;
    const record = await waitFor(async () => {
      const r = await s.record(call.id);
      return r && r.outcome !== 'in_progress' ? r : undefined;
    }, 'the record');
    expect(record.outcome).toBe('completed');
    expect(await s.metric('switchboard_server_events_invalid_total', 'type="unparsable"')).toBe(1);
  });
});
