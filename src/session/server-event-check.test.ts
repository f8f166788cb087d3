import { describe, expect, it } from 'vitest';
import { checkServerEvent, eventTypeLabel } from './server-event-check.ts';

describe('checkServerEvent', () => {
  it('passes the events we read when their fields are there (null where the API may send it)', () => {
    const ok = [
      { type: 'response.done', event_id: 'e', response: { id: 'r', status: 'completed', usage: null, output: null } },
      { type: 'response.created', event_id: 'e', response: { id: 'r', metadata: null } },
      { type: 'error', event_id: 'e', error: { type: 'invalid_request_error', message: 'bad', code: null, event_id: null } },
      { type: 'response.output_item.done', event_id: 'e', item: { type: 'message', id: 'i' } },
      { type: 'conversation.item.input_audio_transcription.completed', event_id: 'e', item_id: 'i', content_index: 0, transcript: 'hi' },
      { type: 'output_audio_buffer.stopped', event_id: 'e', response_id: 'r' },
      { type: 'session.updated', event_id: 'e' }, // not read: only its type is checked
      { type: 'some.future_event' },
    ];
    for (const event of ok) expect(checkServerEvent(event), event.type).toEqual({ ok: true, event });
  });

  it('refuses a missing or mistyped field, naming it', () => {
    expect(checkServerEvent({ type: 'response.done' })).toEqual({
      ok: false,
      eventType: 'response.done',
      problem: expect.stringContaining('response'),
    });
    expect(checkServerEvent({ type: 'error' })).toMatchObject({ ok: false, eventType: 'error' });
    expect(checkServerEvent({ type: 'response.output_item.done' })).toMatchObject({ ok: false, eventType: 'response.output_item.done' });
    expect(checkServerEvent({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'i', transcript: 42 })).toEqual({
      ok: false,
      eventType: 'conversation.item.input_audio_transcription.completed',
      problem: expect.stringContaining('transcript'),
    });
    expect(checkServerEvent({ type: 'response.done', response: { usage: { input_tokens: '12' } } })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('response.usage.input_tokens'),
    });
    expect(checkServerEvent({ type: 7 })).toMatchObject({ ok: false, eventType: 'unknown' });
    expect(checkServerEvent([1])).toMatchObject({ ok: false, eventType: 'unparsable' });
  });

  it('labels metrics with known types only', () => {
    expect(eventTypeLabel('response.done')).toBe('response.done');
    expect(eventTypeLabel('unparsable')).toBe('unparsable');
    expect(eventTypeLabel('x'.repeat(300))).toBe('unknown');
  });
});
