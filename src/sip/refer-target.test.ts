import { describe, expect, it } from 'vitest';
import type { ContactHost } from './call-parties.ts';
import { buildReferTarget } from './refer-target.ts';

const tlsContact: ContactHost = { host: '67.231.5.176', port: 5061, hostPort: '67.231.5.176:5061', transport: 'tls' };
const plainContact: ContactHost = { host: '216.82.224.202', port: null, hostPort: '216.82.224.202', transport: null };
const v6Contact: ContactHost = { host: '2001:db8::1', port: 5060, hostPort: '[2001:db8::1]:5060', transport: 'udp' };

describe('buildReferTarget: number + Contact', () => {
  it('adds the Contact transport when it had one', () => {
    expect(buildReferTarget('+19195554321', tlsContact)).toEqual({
      ok: true,
      uri: 'sip:+19195554321@67.231.5.176:5061;transport=tls',
    });
  });

  it('omits transport when the Contact had none', () => {
    expect(buildReferTarget('+19195554321', plainContact)).toEqual({ ok: true, uri: 'sip:+19195554321@216.82.224.202' });
  });

  it('keeps IPv6 brackets', () => {
    expect(buildReferTarget('+19195554321', v6Contact)).toEqual({
      ok: true,
      uri: 'sip:+19195554321@[2001:db8::1]:5060;transport=udp',
    });
  });

  it('prefers the Contact over the fallback host', () => {
    expect(buildReferTarget('+19195554321', plainContact, 'fallback.example.com:5060')).toEqual({
      ok: true,
      uri: 'sip:+19195554321@216.82.224.202',
    });
  });

  it('turns a tel: target or one with visual separators into a sip: URI, never tel:', () => {
    expect(buildReferTarget('tel:+1-919-555-4321', tlsContact)).toEqual({
      ok: true,
      uri: 'sip:+19195554321@67.231.5.176:5061;transport=tls',
    });
    expect(buildReferTarget(' +1(919)555-4321 ', plainContact)).toEqual({
      ok: true,
      uri: 'sip:+19195554321@216.82.224.202',
    });
  });
});

describe('buildReferTarget: existing sip: URI', () => {
  it.each([['sip:+19195554321@10.0.0.1:5060;transport=tcp'], ['sips:agent@pbx.example.com'], ['SIP:+19195554321@pbx.example.com']])(
    'passes %j through unchanged, even without any host',
    (uri) => {
      expect(buildReferTarget(uri, tlsContact)).toEqual({ ok: true, uri });
      expect(buildReferTarget(uri, null)).toEqual({ ok: true, uri });
    },
  );

  it('trims surrounding whitespace', () => {
    expect(buildReferTarget('  sip:a@b.example  ', null)).toEqual({ ok: true, uri: 'sip:a@b.example' });
  });

  it('refuses a malformed sip: URI', () => {
    expect(buildReferTarget('sip:a@', tlsContact)).toEqual({ ok: false, reason: 'bad_target' });
    expect(buildReferTarget('sip:a@b c', tlsContact)).toEqual({ ok: false, reason: 'bad_target' });
  });
});

describe('buildReferTarget: fallback host', () => {
  it.each([
    ['sip.trunk.example.net', 'sip:+19195554321@sip.trunk.example.net'],
    ['67.231.5.176:5061', 'sip:+19195554321@67.231.5.176:5061'],
    ['[2001:db8::5]:5060', 'sip:+19195554321@[2001:db8::5]:5060'],
    ['[2001:DB8::5]', 'sip:+19195554321@[2001:db8::5]'],
  ])('uses %j without a transport', (fallbackHost, uri) => {
    expect(buildReferTarget('+19195554321', null, fallbackHost)).toEqual({ ok: true, uri });
  });
});

describe('buildReferTarget: failures', () => {
  it('reports no_host without Contact or fallback', () => {
    expect(buildReferTarget('+19195554321', null)).toEqual({ ok: false, reason: 'no_host' });
    expect(buildReferTarget('+19195554321', null, null)).toEqual({ ok: false, reason: 'no_host' });
    expect(buildReferTarget('+19195554321', null, '')).toEqual({ ok: false, reason: 'no_host' });
  });

  it.each([['2001:db8::1'], ['host:0'], ['exa mple.com'], ['evil.com;maddr=x'], ['a@b.example']])(
    'reports no_host for an unusable fallback %j',
    (fallbackHost) => {
      expect(buildReferTarget('+19195554321', null, fallbackHost)).toEqual({ ok: false, reason: 'no_host' });
    },
  );

  it.each([[''], ['agent'], ['+1'], ['x@evil.example'], ['+1919555;maddr=evil.example'], ['tel:']])(
    'reports bad_target for %j',
    (referTo) => {
      expect(buildReferTarget(referTo, tlsContact)).toEqual({ ok: false, reason: 'bad_target' });
    },
  );

  it('returns bad_target for a non-string without throwing', () => {
    expect(buildReferTarget(undefined as unknown as string, tlsContact)).toEqual({ ok: false, reason: 'bad_target' });
  });
});
