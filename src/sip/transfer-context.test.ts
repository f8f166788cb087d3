import { describe, expect, it } from 'vitest';
import { checkAllowListEntry, HostAllowList } from './host-allow-list.ts';
import { parseUri } from './sip-uri.ts';
import { escapeUriHeaderPart, withUriHeaders } from './uri-headers.ts';
import { decodeUserToUser, truncateUtf8, userToUserValue } from './user-to-user.ts';

describe('HostAllowList', () => {
  const list = new HostAllowList(['67.231.5.0/24', '216.82.224.202', '2001:db8:100::/48', 'gw1.trunk.example.net', '*.bandwidth.example']);

  it('allows carrier addresses, networks and names', () => {
    for (const host of [
      '67.231.5.176',
      '67.231.5.1',
      '216.82.224.202',
      '2001:db8:100::1',
      '[2001:db8:100:ffff::9]',
      'gw1.trunk.example.net',
      'GW1.Trunk.Example.Net.',
      'edge-3.bandwidth.example',
      '::ffff:67.231.5.9',
    ]) {
      expect(list.allows(host), host).toBe(true);
    }
  });

  it('refuses hosts outside it, including look-alikes', () => {
    for (const host of [
      '67.231.6.1',
      '216.82.224.203',
      '2001:db8:200::1',
      'evil.example.com',
      'gw1.trunk.example.net.evil.com',
      'xbandwidth.example',
      'bandwidth.example.evil',
      '127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(list.allows(host), host).toBe(false);
    }
  });

  it('checks entries with a message', () => {
    expect(checkAllowListEntry('10.0.0.0/8')).toEqual({ ok: true });
    expect(checkAllowListEntry('10.0.0.0/33')).toEqual({ ok: false, message: '"10.0.0.0/33": the prefix length must be 0–32' });
    expect(checkAllowListEntry('nope/8')).toMatchObject({ ok: false });
    expect(checkAllowListEntry('bad host!')).toMatchObject({ ok: false });
  });
});

describe('URI headers', () => {
  it('escapes everything RFC 3261 does not allow in hname/hvalue', () => {
    expect(escapeUriHeaderPart('a b;c=d&e"f%g<h>@,#')).toBe('a%20b%3Bc%3Dd%26e%22f%25g%3Ch%3E%40%2C%23');
    expect(escapeUriHeaderPart('café')).toBe('caf%C3%A9');
    expect(escapeUriHeaderPart("Az09-_.!~*'()[]/?:+$")).toBe("Az09-_.!~*'()[]/?:+$");
  });

  it('appends headers after the URI params, and after headers already there', () => {
    expect(withUriHeaders('sip:+19195554321@67.231.5.176:5061;transport=tls', [{ name: 'X-Reason', value: 'billing & refunds' }])).toBe(
      'sip:+19195554321@67.231.5.176:5061;transport=tls?X-Reason=billing%20%26%20refunds',
    );
    expect(
      withUriHeaders('sip:ops@pbx.example.com?Priority=urgent', [
        { name: 'X-A', value: '1' },
        { name: 'X-B', value: '2' },
      ]),
    ).toBe('sip:ops@pbx.example.com?Priority=urgent&X-A=1&X-B=2');
    expect(withUriHeaders('sip:a@b', [])).toBe('sip:a@b');
  });

  it('keeps the URI parseable with the host and transport intact', () => {
    const uri = withUriHeaders('sip:+19195554321@67.231.5.176:5061;transport=tls', [
      { name: 'User-to-User', value: userToUserValue('x;y', { encoding: 'base64', maxBytes: 64 }) },
    ]);
    expect(parseUri(uri)).toMatchObject({ host: '67.231.5.176', port: 5061, params: { transport: 'tls' } });
  });
});

describe('User-to-User (RFC 7433)', () => {
  it('hex-encodes with the encoding parameter, round trip', () => {
    const value = userToUserValue('call=rtc_1;reason=billing', { encoding: 'hex', maxBytes: 128 });
    expect(value).toBe(`${Buffer.from('call=rtc_1;reason=billing').toString('hex')};encoding=hex`);
    expect(decodeUserToUser(value)).toEqual({ data: 'call=rtc_1;reason=billing', encoding: 'hex' });
  });

  it('base64 travels as a quoted string, with an optional purpose', () => {
    const value = userToUserValue('héllo', { encoding: 'base64', maxBytes: 128, purpose: 'isdn-uui' });
    expect(value).toBe(`"${Buffer.from('héllo').toString('base64')}";encoding=base64;purpose=isdn-uui`);
    expect(decodeUserToUser(value)?.data).toBe('héllo');
  });

  it('caps the data in bytes without splitting a character', () => {
    expect(truncateUtf8('abcdef', 4)).toBe('abcd');
    expect(truncateUtf8('aé€', 4)).toBe('aé'); // 1 + 2 bytes; € (3 bytes) does not fit
    const value = userToUserValue('x'.repeat(500), { encoding: 'hex', maxBytes: 128 });
    expect(value.split(';')[0]).toHaveLength(256);
  });
});
