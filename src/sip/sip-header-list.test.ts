import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, headerValues, type SipHeader } from './sip-header-list.ts';

describe('canonicalHeaderName', () => {
  it.each([
    ['From', 'from'],
    ['f', 'from'],
    ['F', 'from'],
    ['t', 'to'],
    ['m', 'contact'],
    ['i', 'call-id'],
    ['CALL-ID', 'call-id'],
    [' Contact ', 'contact'],
    ['P-Asserted-Identity', 'p-asserted-identity'],
    ['toString', 'tostring'],
  ])('%j → %j', (input, expected) => {
    expect(canonicalHeaderName(input)).toBe(expected);
  });
});

describe('headerValues', () => {
  const headers: SipHeader[] = [
    { name: 'Contact', value: '<sip:first@a.example>' },
    { name: 'From', value: '<sip:from@a.example>' },
    { name: 'm', value: '<sip:second@b.example>' },
    { name: 'CONTACT', value: '<sip:third@c.example>' },
  ];

  it('returns values of every matching header, in order, long or compact, any case', () => {
    expect(headerValues(headers, 'contact')).toEqual(['<sip:first@a.example>', '<sip:second@b.example>', '<sip:third@c.example>']);
  });

  it('accepts a compact or mixed-case name as the query', () => {
    expect(headerValues(headers, 'f')).toEqual(['<sip:from@a.example>']);
    expect(headerValues(headers, 'CoNtAcT')).toHaveLength(3);
  });

  it('returns nothing for an absent header or an empty list', () => {
    expect(headerValues(headers, 'to')).toEqual([]);
    expect(headerValues([], 'from')).toEqual([]);
  });

  it('skips malformed entries and tolerates a non-array without throwing', () => {
    const messy = [
      null,
      'From: x',
      { name: 'From' },
      { name: 7, value: 'x' },
      { value: '<sip:noname@x>' },
      { name: 'From', value: '<sip:ok@x.example>' },
    ] as unknown as SipHeader[];
    expect(headerValues(messy, 'from')).toEqual(['<sip:ok@x.example>']);
    expect(headerValues(undefined, 'from')).toEqual([]);
    expect(headerValues(null, 'from')).toEqual([]);
    expect(headerValues({ length: 1, 0: { name: 'From', value: 'x' } } as unknown as SipHeader[], 'from')).toEqual([]);
  });
});
