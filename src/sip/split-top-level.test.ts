import { describe, expect, it } from 'vitest';
import { readQuotedString, splitTopLevel } from './split-top-level.ts';

describe('splitTopLevel', () => {
  it('splits on commas at the top level', () => {
    expect(splitTopLevel('<sip:a@b>, <sip:c@d>', ',')).toEqual(['<sip:a@b>', ' <sip:c@d>']);
  });

  it('keeps commas inside quotes and angle brackets', () => {
    expect(splitTopLevel('"Doe, J" <sip:a@b;x=1,2>, <sip:c@d>', ',')).toEqual(['"Doe, J" <sip:a@b;x=1,2>', ' <sip:c@d>']);
  });

  it('honours escaped quotes inside a quoted string', () => {
    expect(splitTopLevel('"a \\", b" <sip:x@y>;p=1', ';')).toEqual(['"a \\", b" <sip:x@y>', 'p=1']);
  });

  it('does not treat a quote inside <...> as the start of a quoted string', () => {
    expect(splitTopLevel('<sip:a"b@x>, <sip:c@y>', ',')).toEqual(['<sip:a"b@x>', ' <sip:c@y>']);
  });

  it('returns the whole text when an angle bracket is never closed', () => {
    expect(splitTopLevel('<sip:a@b, <sip:c@d>', ',')).toEqual(['<sip:a@b, <sip:c@d>']);
  });

  it('returns one empty element for empty text', () => {
    expect(splitTopLevel('', ',')).toEqual(['']);
  });
});

describe('readQuotedString', () => {
  it('unescapes quoted pairs and reports where the string ends', () => {
    expect(readQuotedString('"a \\"q\\" \\\\ b" rest')).toEqual({ value: 'a "q" \\ b', end: 14 });
  });

  it('returns null for an unterminated string or a trailing backslash', () => {
    expect(readQuotedString('"abc')).toBeNull();
    expect(readQuotedString('"abc\\')).toBeNull();
  });

  it('returns null when the text does not start with a quote', () => {
    expect(readQuotedString('abc"')).toBeNull();
  });
});
