// What the record keeps for pricing and the overview: the accept's models, usage as billed, why a transfer happened.
import { describe, expect, it } from 'vitest';
import { accepted, transferCall } from '../../test/support/call-event-fixtures.ts';
import type { CallEvent } from '../calls/call-events.ts';
import { CallState } from './call-state.ts';

const fold = (events: CallEvent[]) => {
  const state = new CallState('rtc_u', '2026-12-01T10:00:00.000Z');
  events.forEach((e, i) => state.apply(e, Date.parse('2026-12-01T10:00:00.000Z') + i * 1000));
  return state.record;
};

describe('the record, for pricing', () => {
  it('keeps the models of the accept and sums usage as the API reports it, cached apart, with the caller’s transcription', () => {
    const r = fold([
      {
        ...(accepted('rtc_u') as Extract<CallEvent, { type: 'call.accepted' }>),
        model: 'gpt-realtime',
        transcriptionModel: 'gpt-4o-mini-transcribe',
      },
      {
        type: 'transcript',
        callId: 'rtc_u',
        speaker: 'caller',
        text: 'hi',
        itemId: 'i1',
        usage: {
          type: 'tokens',
          input_tokens: 30,
          output_tokens: 4,
          total_tokens: 34,
          input_token_details: { audio_tokens: 30, text_tokens: 0 },
        },
      },
      {
        type: 'usage',
        callId: 'rtc_u',
        usage: { inputTokens: 500, outputTokens: 120, totalTokens: 620 },
        realtime: {
          input_tokens: 500,
          output_tokens: 120,
          total_tokens: 620,
          input_token_details: {
            text_tokens: 400,
            audio_tokens: 100,
            cached_tokens: 300,
            cached_tokens_details: { text_tokens: 300, audio_tokens: 0 },
          },
          output_token_details: { text_tokens: 20, audio_tokens: 100 },
        },
      },
      { type: 'usage', callId: 'rtc_u', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } }, // no breakdown: text
    ]);
    expect(r).toMatchObject({
      model: 'gpt-realtime',
      transcriptionModel: 'gpt-4o-mini-transcribe',
      usage: { inputTokens: 510, outputTokens: 125, totalTokens: 635 },
    });
    expect(r.usageDetail).toEqual({
      realtime: {
        textIn: 110,
        cachedTextIn: 300,
        audioIn: 100,
        cachedAudioIn: 0,
        imageIn: 0,
        cachedImageIn: 0,
        textOut: 25,
        audioOut: 100,
      },
      transcription: { textIn: 0, audioIn: 30, out: 4, seconds: 0 },
      liveSeconds: 0,
    });
  });

  it('on GPT-Live: the voice model is priced by its audio seconds (the largest total), the delegated tokens are counted but not as the voice model\u2019s, transcripts are not billed apart', () => {
    const r = fold([
      {
        ...(accepted('live_u') as Extract<CallEvent, { type: 'call.accepted' }>),
        surface: 'live',
        model: 'gpt-live-1',
        transcriptionModel: null,
      },
      { type: 'usage.audio', callId: 'live_u', seconds: 30 },
      { type: 'transcript', callId: 'live_u', speaker: 'caller', text: 'hi', itemId: 'seg_1', usage: { type: 'duration', seconds: 1.5 } },
      {
        type: 'usage',
        callId: 'live_u',
        usage: { inputTokens: 200, outputTokens: 20, totalTokens: 220 },
        realtime: { input_tokens: 200, output_tokens: 20, total_tokens: 220 },
      },
      { type: 'usage.audio', callId: 'live_u', seconds: 12 }, // an older total, repeated after a reconnect
    ]);
    expect(r).toMatchObject({
      surface: 'live',
      model: 'gpt-live-1',
      transcriptionModel: null,
      usage: { inputTokens: 200, outputTokens: 20, totalTokens: 220 },
    });
    expect(r.usageDetail?.liveSeconds).toBe(30);
    expect(Object.values(r.usageDetail?.realtime ?? {}).every((v) => v === 0)).toBe(true);
    expect(Object.values(r.usageDetail?.transcription ?? {}).every((v) => v === 0)).toBe(true); // within the audio seconds
  });

  it('keeps why a transfer happened: the agent’s reason and destination, or the key the caller pressed', () => {
    const byTool = fold([
      ...transferCall('rtc_u').slice(0, 6),
      {
        type: 'tool.called',
        callId: 'rtc_u',
        toolCallId: 'tc_2',
        name: 'transfer_call',
        arguments: '{"destination":"billing","reason":"Invoice question"}',
      },
      { type: 'transfer.requested', callId: 'rtc_u', target: 'sip:+1@h' },
      { type: 'transfer.completed', callId: 'rtc_u', target: 'sip:+1@h', ok: true, durationMs: 5 },
    ]);
    expect(byTool.transfer).toMatchObject({ status: 'referred', reason: 'Invoice question', destination: 'billing' });
    const byKey = fold([
      accepted('rtc_u'),
      { type: 'dtmf', callId: 'rtc_u', digits: '1', action: 'transfer:sales' },
      { type: 'transfer.requested', callId: 'rtc_u', target: 'sip:+1@h' },
      { type: 'transfer.completed', callId: 'rtc_u', target: 'sip:+1@h', ok: true, durationMs: 5 },
    ]);
    expect(byKey.transfer).toMatchObject({ reason: 'keypad', destination: 'sales' });
    const byOperator = fold([accepted('rtc_u'), { type: 'transfer.requested', callId: 'rtc_u', target: 'sip:+1@h' }]);
    expect(byOperator.transfer).toMatchObject({ reason: null, destination: null });
  });
});
