import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCallParties } from './call-parties.ts';
import type { SipHeader } from './sip-header-list.ts';

interface InviteCase {
  name: string;
  sip_headers: SipHeader[];
  expect: { caller: string | null; dialed: string | null; contactHost: string | null; contactTransport: string | null };
}

function loadCases(url: URL): InviteCase[] {
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  const cases = (parsed as { cases?: unknown }).cases;
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`no cases in ${url.pathname}`);
  return cases as InviteCase[];
}

const fixtureUrl = new URL('../../test/support/fixtures/sip-invites.json', import.meta.url);
// The shared reference sits beside the repo (/work/shared next to /work/main).
const sharedUrl = new URL('../../../shared/reference/sip-invites.json', import.meta.url);
const fixtureCases = loadCases(fixtureUrl);

const h = (name: string, value: string): SipHeader => ({ name, value });

describe('parseCallParties: reference INVITEs (fixture copy)', () => {
  it('has the three reference cases', () => {
    expect(fixtureCases.map((c) => c.name)).toEqual([
      'dialed number in To, Contact with IPv4 and port',
      'To is the project URI, dialed number in Diversion; addr-spec Contact without port',
      'lower-case names, display name with quotes, anonymous caller',
    ]);
  });

  it.each(fixtureCases.map((c) => [c.name, c] as const))('%s', (_name, invite) => {
    const parties = parseCallParties(invite.sip_headers);
    expect(parties.caller).toBe(invite.expect.caller);
    expect(parties.dialed).toBe(invite.expect.dialed);
    expect(parties.contact?.hostPort ?? null).toBe(invite.expect.contactHost);
    expect(parties.contact?.transport ?? null).toBe(invite.expect.contactTransport);
  });

  it('extracts every field of the first reference case', () => {
    expect(parseCallParties(fixtureCases[0]?.sip_headers ?? [])).toEqual({
      caller: '+19195551234',
      dialed: '+19195550000',
      sipCallId: '1234567890_78456321@67.231.5.176',
      contact: { host: '67.231.5.176', port: 5061, hostPort: '67.231.5.176:5061', transport: 'tls' },
    });
  });

  it('extracts the Call-ID and Contact of the other reference cases', () => {
    expect(parseCallParties(fixtureCases[1]?.sip_headers ?? [])).toMatchObject({
      sipCallId: 'b2f1c7d4-0a6e-4d5f-9c3b-7e8a1d2c4f60',
      contact: { host: '216.82.224.202', port: null, hostPort: '216.82.224.202', transport: null },
    });
    expect(parseCallParties(fixtureCases[2]?.sip_headers ?? [])).toMatchObject({
      sipCallId: 'a84b4c76e66710@pc33.example.com',
      contact: { host: 'gw1.trunk.example.net', port: 5080, hostPort: 'gw1.trunk.example.net:5080', transport: 'udp' },
    });
  });
});

describe.skipIf(!existsSync(sharedUrl))('parseCallParties: shared reference file', () => {
  it('matches the fixture copy (update test/support/fixtures when it changes)', () => {
    expect(loadCases(sharedUrl)).toEqual(fixtureCases);
  });

  it.each(existsSync(sharedUrl) ? loadCases(sharedUrl).map((c) => [c.name, c] as const) : [])('%s', (_name, invite) => {
    const parties = parseCallParties(invite.sip_headers);
    expect(parties.caller).toBe(invite.expect.caller);
    expect(parties.dialed).toBe(invite.expect.dialed);
    expect(parties.contact?.hostPort ?? null).toBe(invite.expect.contactHost);
    expect(parties.contact?.transport ?? null).toBe(invite.expect.contactTransport);
  });
});

describe('parseCallParties: caller', () => {
  it('takes From as a phone number even with visual separators', () => {
    expect(parseCallParties([h('From', '<sip:+1-919-555-1234@x.example;user=phone>;tag=1')]).caller).toBe('+19195551234');
  });

  it('takes the number before telephone-subscriber params', () => {
    expect(parseCallParties([h('From', '<sip:+19195551234;npdi;rn=+19190000000@x.example>')]).caller).toBe('+19195551234');
  });

  it('accepts a tel: From', () => {
    expect(parseCallParties([h('From', '<tel:+1.919.555.1234>;tag=a')]).caller).toBe('+19195551234');
  });

  it('accepts a number without + and a percent-encoded +', () => {
    expect(parseCallParties([h('From', 'sip:9195551234@x.example;tag=1')]).caller).toBe('9195551234');
    expect(parseCallParties([h('From', '<sip:%2B9195551234@x.example>')]).caller).toBe('+9195551234');
  });

  it('falls back to P-Asserted-Identity for an anonymous From', () => {
    const headers = [
      h('From', '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'),
      h('P-Asserted-Identity', '"Alice" <sip:+14155550123@10.0.0.1;user=phone>'),
    ];
    expect(parseCallParties(headers).caller).toBe('+14155550123');
  });

  it('takes the tel identity when the sip identity of P-Asserted-Identity is not a number', () => {
    const single = [h('f', '<sip:anonymous@anonymous.invalid>'), h('p-asserted-identity', '<sip:alice@x.example>, <tel:+14155550199>')];
    expect(parseCallParties(single).caller).toBe('+14155550199');
    const repeated = [h('P-Asserted-Identity', '<sip:alice@x.example>'), h('P-Asserted-Identity', '<tel:+14155550188>')];
    expect(parseCallParties(repeated).caller).toBe('+14155550188');
  });

  it('prefers From over P-Asserted-Identity', () => {
    const headers = [h('P-Asserted-Identity', '<sip:+14155550123@x.example>'), h('From', '<sip:+19195551234@x.example>')];
    expect(parseCallParties(headers).caller).toBe('+19195551234');
  });

  it.each([
    ['"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'],
    ['<sip:restricted@x.example>'],
    ['<sip:12@x.example>'], // fewer than 3 digits
    ['<sip:x.example>'], // no user part
    ['<sip:+1 919 555 1234@x.example>'],
    ['not a header at all'],
  ])('is null for From %j without a P-Asserted-Identity', (from) => {
    expect(parseCallParties([h('From', from)]).caller).toBeNull();
  });
});

describe('parseCallParties: dialed', () => {
  it('takes To when it is a phone number, ignoring Diversion', () => {
    const headers = [h('To', '<sip:+19195550000@sip.api.openai.com>'), h('Diversion', '<sip:+18005551212@x.example>')];
    expect(parseCallParties(headers).dialed).toBe('+19195550000');
  });

  it('takes the first Diversion when To is the project URI', () => {
    const headers = [
      h('t', '<sip:proj_abc@sip.api.openai.com;transport=tls>'),
      h('Diversion', '<sip:+18005551212@x.example>;reason=unconditional, <sip:+18005550001@x.example>'),
      h('Diversion', '<sip:+18005550002@x.example>;reason=no-answer'),
      h('History-Info', '<sip:+18005550003@x.example>;index=1'),
    ];
    expect(parseCallParties(headers).dialed).toBe('+18005551212');
  });

  it('falls back to History-Info, whose URI may carry headers', () => {
    const headers = [
      h('To', '<sip:proj_abc@sip.api.openai.com>'),
      h('History-Info', '<sip:+18005551212@x.example?Reason=SIP%3Bcause%3D302>;index=1, <sip:proj_abc@sip.api.openai.com>;index=1.1'),
    ];
    expect(parseCallParties(headers).dialed).toBe('+18005551212');
  });

  it('skips a non-numeric Diversion and uses History-Info', () => {
    const headers = [
      h('To', '<sip:proj_abc@sip.api.openai.com>'),
      h('Diversion', '<sip:voicemail@x.example>'),
      h('History-Info', '<tel:+1-800-555-1212>;index=1'),
    ];
    expect(parseCallParties(headers).dialed).toBe('+18005551212');
  });

  it('is null when no header holds a number', () => {
    expect(parseCallParties([h('To', '<sip:proj_abc@sip.api.openai.com>')]).dialed).toBeNull();
  });
});

describe('parseCallParties: Call-ID', () => {
  it('reads Call-ID in any case or as compact i, trimmed, first one wins', () => {
    expect(parseCallParties([h('i', ' abc@host ')]).sipCallId).toBe('abc@host');
    expect(parseCallParties([h('CALL-ID', 'x1'), h('Call-ID', 'x2')]).sipCallId).toBe('x1');
  });

  it('is null when empty or containing whitespace or control characters', () => {
    expect(parseCallParties([h('Call-ID', '   ')]).sipCallId).toBeNull();
    expect(parseCallParties([h('Call-ID', 'a b')]).sipCallId).toBeNull();
    expect(parseCallParties([h('Call-ID', 'a\r\nX: y')]).sipCallId).toBeNull();
  });
});

describe('parseCallParties: contact', () => {
  it.each([
    ['<sip:+1555@67.231.5.176:5061;transport=TLS>', { host: '67.231.5.176', port: 5061, hostPort: '67.231.5.176:5061', transport: 'tls' }],
    ['<sip:[2001:db8::1]:5060;transport=tcp>', { host: '2001:db8::1', port: 5060, hostPort: '[2001:db8::1]:5060', transport: 'tcp' }],
    ['<sip:+1555@[2001:db8::2]>', { host: '2001:db8::2', port: null, hostPort: '[2001:db8::2]', transport: null }],
    ['sip:gw1.trunk.example.net', { host: 'gw1.trunk.example.net', port: null, hostPort: 'gw1.trunk.example.net', transport: null }],
    [
      '"Trunk <edge>" <sip:gw1.trunk.example.net:5080;transport=udp>;expires=3600',
      { host: 'gw1.trunk.example.net', port: 5080, hostPort: 'gw1.trunk.example.net:5080', transport: 'udp' },
    ],
    ['<sips:edge.example.com:5061>', { host: 'edge.example.com', port: 5061, hostPort: 'edge.example.com:5061', transport: null }],
    // addr-spec: ;transport belongs to the header, not the URI (RFC 3261 §20.10)
    ['sip:10.1.1.1:5060;transport=tls', { host: '10.1.1.1', port: 5060, hostPort: '10.1.1.1:5060', transport: null }],
    ['<sip:10.1.1.1;transport=tls;lr>, <sip:10.2.2.2>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: 'tls' }],
    ['<sip:10.1.1.1;transport=bad/value>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: null }],
    // Only a known transport is carried into the REFER target: a valid token is not enough.
    ['<sip:10.1.1.1;transport=wss>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: 'wss' }],
    ['<sip:10.1.1.1;transport=SCTP>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: 'sctp' }],
    ['<sip:10.1.1.1;transport=quic>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: null }],
    ['<sip:10.1.1.1;transport=tls-x>', { host: '10.1.1.1', port: null, hostPort: '10.1.1.1', transport: null }],
  ])('parses Contact %j', (value, expected) => {
    expect(parseCallParties([h('Contact', value)]).contact).toEqual(expected);
  });

  it('reads the compact m form', () => {
    expect(parseCallParties([h('m', '<sip:10.0.0.9:5062>')]).contact?.hostPort).toBe('10.0.0.9:5062');
  });

  it('takes the first of several Contact headers, long or compact', () => {
    const headers = [h('M', '<sip:10.0.0.1:5060>'), h('Contact', '<sip:10.0.0.2:5060>'), h('contact', '<sip:10.0.0.3>')];
    expect(parseCallParties(headers).contact?.hostPort).toBe('10.0.0.1:5060');
  });

  it('does not split a comma inside the quoted display name', () => {
    const headers = [h('Contact', '"Edge, east" <sip:10.0.0.7:5060>, <sip:10.0.0.8>')];
    expect(parseCallParties(headers).contact?.hostPort).toBe('10.0.0.7:5060');
  });

  it.each([
    ['*'],
    ['<tel:+19195551234>'],
    ['<sip:user@2001:db8::1>'],
    ['<sip:+1555@67.231.5.176:99999>'],
    ['<sip:+1555@67.231.5.176'],
    ['garbage'],
    [''],
  ])('is null for Contact %j', (value) => {
    expect(parseCallParties([h('Contact', value)]).contact).toBeNull();
  });

  it('uses the first Contact even when it is malformed (no guessing from later ones)', () => {
    expect(parseCallParties([h('Contact', 'garbage'), h('Contact', '<sip:10.0.0.1>')]).contact).toBeNull();
  });
});

describe('parseCallParties: empty and garbage input', () => {
  const empty = { caller: null, dialed: null, sipCallId: null, contact: null };

  it('returns all nulls for an empty list, null or undefined', () => {
    expect(parseCallParties([])).toEqual(empty);
    expect(parseCallParties(null)).toEqual(empty);
    expect(parseCallParties(undefined)).toEqual(empty);
  });

  it('returns all nulls for garbage values and malformed entries', () => {
    const headers = [
      h('From', '"unterminated <sip:+19195551234@x>'),
      h('To', '<<<>>>'),
      h('Contact', '<sip:@>'),
      h('P-Asserted-Identity', ';;;'),
      h('Diversion', '"'),
      h('History-Info', '\\'),
      { name: 'Call-ID' } as SipHeader,
      null as unknown as SipHeader,
    ];
    expect(parseCallParties(headers)).toEqual(empty);
  });

  it('never throws on random header text', () => {
    const alphabet = 'sip:tel+@[]<>";,=?%\\ \t.:0123456789abcfmti-_';
    const names = ['From', 'f', 'To', 't', 'Contact', 'm', 'Call-ID', 'i', 'Diversion', 'History-Info', 'P-Asserted-Identity'];
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const headers = names.map((name) => {
        let value = '';
        for (let i = next(40); i > 0; i--) value += alphabet[next(alphabet.length)];
        return h(name, value);
      });
      const parties = parseCallParties(headers);
      expect(Object.keys(parties)).toEqual(['caller', 'dialed', 'sipCallId', 'contact']);
    }
  });
});
