import { describe, expect, it } from 'vitest';
import {
  apiAvailability,
  applyToTranscript,
  callDurationMs,
  callIdFromHash,
  callsQuery,
  createSseParser,
  describeApiError,
  formatDuration,
  hashForCall,
  localDateTimeToIso,
  prettyJson,
  type SseEvent,
  type TranscriptLine,
  timelineSummary,
  transcriptWithNotes,
} from './lib.js';

function parseAll(chunks: string[]): { events: SseEvent[]; lastEventId: string; retryMs: number | null } {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, lastEventId: parser.lastEventId, retryMs: parser.retryMs };
}

describe('createSseParser', () => {
  const stream = 'id: 1\nevent: transcript\ndata: {"a":1}\n\n: ping\n\nid: 2\nevent: end\ndata: {"b":2}\n\n';

  it('parses events with their type, data and id', () => {
    expect(parseAll([stream]).events).toEqual([
      { event: 'transcript', data: '{"a":1}', id: '1' },
      { event: 'end', data: '{"b":2}', id: '2' },
    ]);
  });

  it('gives the same events whatever the chunking, down to one character at a time', () => {
    const whole = parseAll([stream]).events;
    expect(parseAll([...stream])).toMatchObject({ events: whole });
    for (let cut = 1; cut < stream.length; cut++) expect(parseAll([stream.slice(0, cut), stream.slice(cut)]).events).toEqual(whole);
  });

  it('takes \\r\\n and \\r as line breaks, also when \\r\\n is split across chunks', () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    const cr = stream.replaceAll('\n', '\r');
    const expected = parseAll([stream]).events;
    expect(parseAll([crlf]).events).toEqual(expected);
    expect(parseAll([cr]).events).toEqual(expected);
    for (let cut = 1; cut < crlf.length; cut++) expect(parseAll([crlf.slice(0, cut), crlf.slice(cut)]).events).toEqual(expected);
  });

  it('joins data lines with \\n, strips one leading space, defaults the type to message', () => {
    expect(parseAll(['data:  two spaces\ndata\ndata:x\n\n']).events).toEqual([{ event: 'message', data: ' two spaces\n\nx', id: '' }]);
  });

  it('ignores comments, unknown fields and events without data; keeps the last id and retry', () => {
    const { events, lastEventId, retryMs } = parseAll([
      ': hello\nfoo: bar\nevent: nothing\n\nid: 7\nretry: 3000\nretry: soon\n\ndata: after\n\n',
    ]);
    expect(events).toEqual([{ event: 'message', data: 'after', id: '7' }]);
    expect(lastEventId).toBe('7');
    expect(retryMs).toBe(3000);
  });

  it('drops an id with NUL, a leading BOM, and an event cut off by the end of the stream', () => {
    expect(parseAll(['\uFEFFid: 3\ndata: a\n\nid: x\0y\ndata: b\n\ndata: cut off']).events).toEqual([
      { event: 'message', data: 'a', id: '3' },
      { event: 'message', data: 'b', id: '3' },
    ]);
  });
});

describe('formatting', () => {
  it('formatDuration', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(999)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
    expect(formatDuration(Number.NaN)).toBe('0:00');
  });

  it('callDurationMs counts from the answer to the end, or to now while live', () => {
    const startedAt = '2025-06-01T10:00:00.000Z';
    const acceptedAt = '2025-06-01T10:00:01.000Z';
    expect(callDurationMs({ startedAt, acceptedAt, endedAt: '2025-06-01T10:01:06.000Z' }, 0)).toBe(65_000);
    expect(callDurationMs({ startedAt, acceptedAt: null, endedAt: null }, Date.parse('2025-06-01T10:00:30.000Z'))).toBe(30_000);
    expect(callDurationMs({ startedAt: 'nonsense' }, 1)).toBe(0);
  });

  it('prettyJson formats JSON strings and values, leaves other text alone', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson('not json')).toBe('not json');
    expect(prettyJson({ ok: true })).toBe('{\n  "ok": true\n}');
    expect(prettyJson(null)).toBe('null');
  });

  it('timelineSummary says what happened', () => {
    expect(timelineSummary({ seq: 1, type: 'call.ended', data: { reason: 'operator_hangup' } })).toBe('ended: operator hangup');
    expect(timelineSummary({ seq: 2, type: 'transfer.completed', data: { ok: false, target: 'sip:x@y', error: 'refused' } })).toBe(
      'transfer to sip:x@y failed: refused',
    );
    expect(timelineSummary({ seq: 3, type: 'something.new', data: {} })).toBe('');
    expect(timelineSummary({ seq: 4, type: 'call.accepted', data: { profile: 'sales', answerMs: 11.877465000000003 } })).toBe(
      'accepted for profile sales after 12 ms',
    );
    expect(timelineSummary({ seq: 5, type: 'control.connected', data: { attempt: 0 } })).toBe('control socket connected');
    expect(timelineSummary({ seq: 6, type: 'control.connected', data: { attempt: 2 } })).toBe('control socket reconnected (attempt 2)');
  });
});

describe('callsQuery', () => {
  it('leaves out empty filters and encodes the rest, + included', () => {
    expect(callsQuery({})).toBe('');
    expect(callsQuery({ caller: ' +19195551234 ', dialed: '', outcome: 'completed', q: 'refund please' }, { limit: 25 })).toBe(
      '?caller=%2B19195551234&outcome=completed&q=refund+please&limit=25',
    );
  });

  it('sends from/to as ISO 8601 and the cursor as given', () => {
    const from = '2025-06-01T09:30';
    const query = new URLSearchParams(callsQuery({ from, to: '' }, { cursor: 'abc==' }));
    expect(query.get('from')).toBe(new Date(from).toISOString());
    expect(query.has('to')).toBe(false);
    expect(query.get('cursor')).toBe('abc==');
  });

  it('passes unparseable dates on, for the API to name the field', () => {
    expect(localDateTimeToIso('yesterday')).toBe('yesterday');
  });
});

describe('API answers', () => {
  it('describeApiError names the field of a 400 only', () => {
    expect(describeApiError(400, { error: 'invalid_request', field: 'target', message: 'target: expected a phone number' })).toEqual({
      status: 400,
      code: 'invalid_request',
      field: 'target',
      message: 'target: expected a phone number',
    });
    expect(describeApiError(404, { error: 'not_live', message: 'call x is not live' })).toMatchObject({ field: null, code: 'not_live' });
    expect(describeApiError(502, 'Bad Gateway')).toEqual({ status: 502, code: null, field: null, message: 'the server answered 502' });
  });

  it('apiAvailability reads the answer to a request without a token', () => {
    expect(apiAvailability(401, { error: 'unauthorized' })).toBe('on');
    expect(apiAvailability(404, { error: 'api_disabled' })).toBe('off');
    expect(apiAvailability(404, { error: 'Not Found' })).toBe('absent');
    expect(apiAvailability(500, null)).toBe('unknown');
  });
});

describe('applyToTranscript', () => {
  const turn = (seq: number, speaker: string, text: string, itemId: string) => ({
    seq,
    type: 'transcript',
    data: { speaker, text, itemId },
  });

  it('appends turns in order, marks an interrupted one, shows supervisor instructions, ignores the rest', () => {
    let lines: TranscriptLine[] = [];
    for (const entry of [
      turn(3, 'agent', 'Hello! How can I help?', 'i1'),
      { seq: 4, type: 'usage', data: { usage: { totalTokens: 3 } } },
      turn(5, 'caller', 'My order is late.', 'i2'),
      turn(6, 'agent', 'Let me check that for', 'i3'),
      { seq: 7, type: 'transcript.interrupted', data: { itemId: 'i3' } },
      { seq: 8, type: 'operator.instructed', data: { text: 'Offer a refund.' } },
    ]) {
      lines = applyToTranscript(lines, entry);
    }
    expect(lines.map((l) => [l.kind, l.speaker, l.text, l.interrupted])).toEqual([
      ['turn', 'agent', 'Hello! How can I help?', false],
      ['turn', 'caller', 'My order is late.', false],
      ['turn', 'agent', 'Let me check that for', true],
      ['note', 'supervisor', 'Offer a refund.', false],
    ]);
  });

  it('does not add a replayed entry twice and returns the same array when nothing changed', () => {
    const once = applyToTranscript([], turn(1, 'caller', 'hi', 'a'));
    expect(applyToTranscript(once, turn(1, 'caller', 'hi', 'a'))).toBe(once);
    expect(applyToTranscript(once, { seq: 2, type: 'transcript.interrupted', data: { itemId: 'unknown' } })).toBe(once);
  });
});

describe('transcriptWithNotes', () => {
  it('puts the supervisor’s instructions between the turns, by time', () => {
    const turn = (at: string, text: string) => ({ at, speaker: 'caller', text, interrupted: false });
    const lines = transcriptWithNotes(
      [turn('2025-06-01T10:00:01.000Z', 'one'), turn('2025-06-01T10:00:03.000Z', 'three'), turn('2025-06-01T10:00:03.000Z', 'four')],
      [
        { seq: 1, type: 'call.accepted', at: '2025-06-01T10:00:00.000Z', data: {} },
        { seq: 5, type: 'operator.instructed', at: '2025-06-01T10:00:02.000Z', data: { text: 'two' } },
      ],
    );
    expect(lines.map((l) => [l.kind, l.text])).toEqual([
      ['turn', 'one'],
      ['note', 'two'],
      ['turn', 'three'],
      ['turn', 'four'],
    ]);
  });
});

describe('location hash', () => {
  it('round-trips a call id, also one with odd characters', () => {
    for (const id of ['rtc_123abc', 'a/b c#d']) expect(callIdFromHash(hashForCall(id))).toBe(id);
    expect(callIdFromHash('')).toBeNull();
    expect(callIdFromHash('#/calls/%E0%A4%A')).toBeNull();
  });
});
