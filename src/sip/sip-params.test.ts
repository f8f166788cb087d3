import { describe, expect, it } from 'vitest';
import { parseParams } from './sip-params.ts';

describe('parseParams', () => {
  it('parses name=value pairs and valueless flags', () => {
    expect(parseParams('transport=tls;lr;user=phone')).toEqual({ transport: 'tls', lr: null, user: 'phone' });
  });

  it('lower-cases names but keeps value case', () => {
    expect(parseParams('Transport=TLS;TAG=AbC')).toEqual({ transport: 'TLS', tag: 'AbC' });
  });

  it('trims whitespace around names, = and values', () => {
    expect(parseParams(' tag = abc ; expires= 60')).toEqual({ tag: 'abc', expires: '60' });
  });

  it('unquotes quoted values, including a ; inside the quotes', () => {
    expect(parseParams('reason="a;b \\"c\\"";x=1')).toEqual({ reason: 'a;b "c"', x: '1' });
  });

  it('keeps the first occurrence of a repeated name', () => {
    expect(parseParams('tag=first;TAG=second')).toEqual({ tag: 'first' });
  });

  it('skips empty and malformed entries', () => {
    expect(parseParams(';;=x;bad name=1;ok=2')).toEqual({ ok: '2' });
  });

  it('returns an empty record for empty text', () => {
    expect(parseParams('')).toEqual({});
  });

  it('stores __proto__ and constructor as plain keys', () => {
    const params = parseParams('__proto__=x;constructor');
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
    // biome-ignore lint/suspicious/noProto lint/complexity/useLiteralKeys: the key under test, read as data
    expect(params['__proto__']).toBe('x');
    // biome-ignore lint/complexity/useLiteralKeys: the key under test, read as data
    expect(params['constructor']).toBeNull();
    expect(Object.getPrototypeOf(params)).toBeNull();
  });
});
