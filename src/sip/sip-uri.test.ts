import { describe, expect, it } from 'vitest';
import { parseUri } from './sip-uri.ts';

describe('parseUri: sip and sips', () => {
  it('parses user, IPv4 host, port and params', () => {
    expect(parseUri('sip:+19195551234@67.231.5.176:5061;transport=tls')).toEqual({
      scheme: 'sip',
      user: '+19195551234',
      password: null,
      host: '67.231.5.176',
      port: 5061,
      hostPort: '67.231.5.176:5061',
      params: { transport: 'tls' },
    });
  });

  it('parses a URI without user part or port', () => {
    expect(parseUri('sip:216.82.224.202')).toEqual({
      scheme: 'sip',
      user: null,
      password: null,
      host: '216.82.224.202',
      port: null,
      hostPort: '216.82.224.202',
      params: {},
    });
  });

  it('parses user and password', () => {
    const uri = parseUri('sip:alice:secret@example.com');
    expect(uri).toMatchObject({ user: 'alice', password: 'secret', host: 'example.com', port: null });
  });

  it('parses a bracketed IPv6 host with and without port', () => {
    expect(parseUri('sip:+1555@[2001:db8::1]:5060')).toMatchObject({
      host: '2001:db8::1',
      port: 5060,
      hostPort: '[2001:db8::1]:5060',
    });
    expect(parseUri('sip:[2001:db8::a]')).toMatchObject({
      user: null,
      host: '2001:db8::a',
      port: null,
      hostPort: '[2001:db8::a]',
    });
  });

  it('parses sips: with a case-insensitive scheme and lower-cases the host', () => {
    expect(parseUri('SIPS:Bob@Biloxi.Example.COM')).toMatchObject({
      scheme: 'sips',
      user: 'Bob',
      host: 'biloxi.example.com',
      hostPort: 'biloxi.example.com',
    });
  });

  it('lower-cases param names, keeps flag params, ignores URI headers', () => {
    expect(parseUri('sip:+1555@h.example;User=phone;LR;Transport=TCP?Subject=hi&x=1')?.params).toEqual({
      user: 'phone',
      lr: null,
      transport: 'TCP',
    });
  });

  it('keeps telephone-subscriber params in the user part', () => {
    expect(parseUri('sip:+15551234;npdi;rn=+15550000@carrier.example;user=phone')).toMatchObject({
      user: '+15551234;npdi;rn=+15550000',
      host: 'carrier.example',
      params: { user: 'phone' },
    });
  });

  it('percent-decodes the user part and keeps a stray % as written', () => {
    expect(parseUri('sip:%2B19195551234@example.com')?.user).toBe('+19195551234');
    expect(parseUri('sip:100%@example.com')?.user).toBe('100%');
  });

  it('reads an @ after ? as part of URI headers, not the userinfo', () => {
    expect(parseUri('sip:example.com?Refer-To=a@b')).toMatchObject({ user: null, host: 'example.com' });
  });

  it('trims surrounding whitespace', () => {
    expect(parseUri('  sip:a@example.com  ')).toMatchObject({ user: 'a', host: 'example.com' });
  });
});

describe('parseUri: tel', () => {
  it('parses a global number with visual separators and params', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toEqual({
      scheme: 'tel',
      user: '+1-201-555-0123',
      params: { 'phone-context': 'example.com' },
    });
  });

  it('parses a local number', () => {
    expect(parseUri('TEL:7042;phone-context=example.com')).toMatchObject({ scheme: 'tel', user: '7042' });
  });

  it.each([['tel:'], ['tel:+'], ['tel:+1 555'], ['tel:abc.def@x'], ['tel:;phone-context=x'], ['tel:1+2']])(
    'returns null for %j',
    (input) => {
      expect(parseUri(input)).toBeNull();
    },
  );
});

describe('parseUri: malformed input', () => {
  it.each([
    [''],
    ['   '],
    ['anonymous'],
    ['sip:'],
    ['sip:@example.com'],
    ['sip:user@'],
    ['sip:a@b@c'],
    ['sip:user@example.com:99999'],
    ['sip:user@2001:db8::1'],
    ['sip:user@exa mple.com'],
    ['sip:user@example.com\r\nX-Injected: 1'],
    ['sip:<user>@example.com'],
    ['http://example.com'],
    ['mailto:a@example.com'],
    ['urn:service:sos'],
    [':example.com'],
  ])('returns null for %j', (input) => {
    expect(parseUri(input)).toBeNull();
  });

  it('returns null for a non-string without throwing', () => {
    expect(parseUri(null as unknown as string)).toBeNull();
    expect(parseUri({} as unknown as string)).toBeNull();
  });
});
