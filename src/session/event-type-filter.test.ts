import { describe, expect, it } from 'vitest';
import { eventTypesActedOn } from './call-session.ts';
import { EventTypeFilter } from './event-type-filter.ts';
import { checkedEventTypes, serverEventTypes } from './server-event-check.ts';
import type { SessionExtension } from './session-extension.ts';

const frame = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('the event type filter', () => {
  const wanted = new Set<string>(checkedEventTypes);
  const filter = new EventTypeFilter(wanted);

  it('skips exactly the SDK event types not wanted, as the service serializes them', () => {
    for (const type of serverEventTypes) {
      const event = { type, event_id: 'event_1', item_id: 'item_1', response: { id: 'resp_1', output: [{ type: 'message' }] } };
      expect(filter.canSkip(frame(event)), type).toBe(!wanted.has(type));
    }
  });

  it('never skips a wanted type, whatever the spacing, key order or escapes', () => {
    for (const text of [
      '{"event_id":"e","type":"response.done"}',
      ' {\n  "type" : "error"\n} ',
      '{"type":"response\\u002edone"}',
      '{"item":{"type":"x","name":"a\\"b"},"type":"response.output_item.done"}',
    ]) {
      expect(filter.canSkip(frame(text)), text).toBe(false);
    }
  });

  it('leaves anything not shaped like an object to the parser (so it is reported)', () => {
    for (const text of ['', '   ', 'not json', '[{"type":"x"}]', '"x"', '{"type":"x"', 'null']) {
      expect(filter.canSkip(frame(text)), text).toBe(false);
    }
    expect(filter.canSkip(frame({ type: 'response.output_audio_transcript.delta', delta: 'ünïcødé — fine' }))).toBe(true);
  });

  it('is conservative: a wanted name anywhere as a string makes the frame parsed', () => {
    expect(filter.canSkip(frame({ type: 'response.output_text.delta', delta: 'error' }))).toBe(false);
    expect(filter.canSkip(frame({ type: 'response.output_text.delta', delta: 'an error' }))).toBe(true);
  });
});

describe('the event types a session acts on', () => {
  const reads = (types?: SessionExtension['serverEventTypes']): SessionExtension => ({
    onServerEvent: () => {},
    ...(types ? { serverEventTypes: types } : {}),
  });

  it("are the checked types and the types each extension declares; an extension that doesn't say makes it every event", () => {
    expect([...(eventTypesActedOn([]) ?? [])].sort()).toEqual([...checkedEventTypes].sort());
    const withIdle = eventTypesActedOn([reads(['input_audio_buffer.speech_started']), { onStart: () => {} }]);
    expect(withIdle?.has('input_audio_buffer.speech_started')).toBe(true);
    expect(withIdle?.has('response.done')).toBe(true);
    expect(withIdle?.has('response.output_audio_transcript.delta')).toBe(false);
    expect(eventTypesActedOn([reads(['input_audio_buffer.speech_started']), reads()])).toBeUndefined();
  });
});
