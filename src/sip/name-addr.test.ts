import { describe, expect, it } from 'vitest';
import { parseAddress, parseAddressList, splitHeaderValue } from './name-addr.ts';

describe('parseAddress: name-addr', () => {
  it('parses a quoted display name, URI params and header params separately', () => {
    expect(parseAddress('"+19195551234" <sip:+19195551234@67.231.5.176;user=phone>;tag=gK0a1b2c3d')).toEqual({
      displayName: '+19195551234',
      uri: {
        scheme: 'sip',
        user: '+19195551234',
        password: null,
        host: '67.231.5.176',
        port: null,
        hostPort: '67.231.5.176',
        params: { user: 'phone' },
      },
      params: { tag: 'gK0a1b2c3d' },
    });
  });

  it('keeps <, >, and , inside a quoted display name', () => {
    const address = parseAddress('"Trunk <edge>, east" <sip:gw1.trunk.example.net:5080;transport=udp>;expires=3600');
    expect(address?.displayName).toBe('Trunk <edge>, east');
    expect(address?.uri).toMatchObject({ hostPort: 'gw1.trunk.example.net:5080', params: { transport: 'udp' } });
    expect(address?.params).toEqual({ expires: '3600' });
  });

  it('unescapes \\" and \\\\ in a quoted display name', () => {
    expect(parseAddress('"Say \\"hi\\" \\\\ bye" <sip:a@example.com>')?.displayName).toBe('Say "hi" \\ bye');
  });

  it('accepts an unquoted display name and collapses its whitespace', () => {
    expect(parseAddress('Alice   Smith <sip:alice@example.com>')?.displayName).toBe('Alice Smith');
  });

  it('has no display name for a bare <uri> or an empty quoted name', () => {
    expect(parseAddress('<sip:+19195550000@sip.api.openai.com>')?.displayName).toBeNull();
    expect(parseAddress('"" <sip:a@example.com>')?.displayName).toBeNull();
  });

  it('allows no whitespace between a quoted name and <', () => {
    expect(parseAddress('"Bob"<sip:bob@example.com>')).toMatchObject({ displayName: 'Bob', uri: { user: 'bob' } });
  });

  it('keeps ; params inside <> with the URI', () => {
    const address = parseAddress('<sip:+1555;npdi@h.example;transport=tls;lr>');
    expect(address?.uri).toMatchObject({ user: '+1555;npdi', params: { transport: 'tls', lr: null } });
    expect(address?.params).toEqual({});
  });

  it('parses a tel: URI in angle brackets', () => {
    expect(parseAddress('<tel:+1-919-555-1234>')?.uri).toEqual({ scheme: 'tel', user: '+1-919-555-1234', params: {} });
  });
});

describe('parseAddress: addr-spec', () => {
  it('gives params after ; to the header, not the URI (RFC 3261 §20.10)', () => {
    const address = parseAddress('sip:+1555@10.0.0.1:5060;transport=tcp;tag=abc');
    expect(address?.displayName).toBeNull();
    expect(address?.uri).toMatchObject({ user: '+1555', hostPort: '10.0.0.1:5060', params: {} });
    expect(address?.params).toEqual({ transport: 'tcp', tag: 'abc' });
  });

  it('parses a host-only addr-spec', () => {
    expect(parseAddress('sip:216.82.224.202')?.uri).toMatchObject({ user: null, hostPort: '216.82.224.202' });
  });

  it('parses a bare tel: addr-spec', () => {
    expect(parseAddress('tel:+442071838750;tag=x')).toMatchObject({
      uri: { scheme: 'tel', user: '+442071838750' },
      params: { tag: 'x' },
    });
  });
});

describe('parseAddress: several values', () => {
  it('takes the first of comma-separated values', () => {
    expect(parseAddress('<sip:a@one.example>, <sip:b@two.example>')?.uri).toMatchObject({ host: 'one.example' });
  });

  it('does not split on a comma inside quotes', () => {
    expect(parseAddress('"Doe, John" <sip:john@example.com>, <sip:x@y.example>')).toMatchObject({
      displayName: 'Doe, John',
      uri: { host: 'example.com' },
    });
  });

  it('skips empty list elements', () => {
    expect(parseAddress(' , <sip:a@one.example>')?.uri).toMatchObject({ host: 'one.example' });
  });

  it('parseAddressList returns every parseable value in order', () => {
    const list = parseAddressList('"A" <sip:+1555@x.example>, garbage, <tel:+1666>');
    expect(list.map((a) => a.uri.user)).toEqual(['+1555', '+1666']);
  });

  it('splitHeaderValue trims and drops empty elements', () => {
    expect(splitHeaderValue(' <sip:a@b>;q=0.5 ,, "x,y" <sip:c@d> ')).toEqual(['<sip:a@b>;q=0.5', '"x,y" <sip:c@d>']);
  });
});

describe('parseAddress: malformed values return null', () => {
  it.each([
    [''],
    ['   '],
    ['*'], // Contact: * (REGISTER wildcard) has no URI
    ['garbage'],
    ['"unterminated <sip:a@b>'],
    ['"Name" sip:a@example.com'], // quoted name without <>
    ['Trunk <edge> <sip:gw1.example.net>'], // unquoted name with <>
    ['<sip:a@example.com'],
    ['<>'],
    ['<sip:a@example.com> trailing'],
    ['<http://example.com>'],
    ['<sip:a@exa mple.com>'],
    ['sip:a@[2001:db8::1'],
    [';tag=x'],
    ['<bad>, <sip:c@d>'], // the first value decides: no fallback
  ])('%j', (input) => {
    expect(parseAddress(input)).toBeNull();
  });

  it('returns null for a non-string without throwing', () => {
    expect(parseAddress(undefined as unknown as string)).toBeNull();
    expect(parseAddressList(7 as unknown as string)).toEqual([]);
  });
});
