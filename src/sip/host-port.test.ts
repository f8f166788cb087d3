import { describe, expect, it } from 'vitest';
import { parseHostPort } from './host-port.ts';

describe('parseHostPort', () => {
  it.each([
    ['67.231.5.176:5061', { host: '67.231.5.176', port: 5061, hostPort: '67.231.5.176:5061' }],
    ['216.82.224.202', { host: '216.82.224.202', port: null, hostPort: '216.82.224.202' }],
    ['[2001:db8::1]:5060', { host: '2001:db8::1', port: 5060, hostPort: '[2001:db8::1]:5060' }],
    ['[2001:DB8::1]', { host: '2001:db8::1', port: null, hostPort: '[2001:db8::1]' }],
    ['[::ffff:192.0.2.1]:5061', { host: '::ffff:192.0.2.1', port: 5061, hostPort: '[::ffff:192.0.2.1]:5061' }],
    ['gw1.trunk.example.net', { host: 'gw1.trunk.example.net', port: null, hostPort: 'gw1.trunk.example.net' }],
    ['GW1.Trunk.Example.NET:5080', { host: 'gw1.trunk.example.net', port: 5080, hostPort: 'gw1.trunk.example.net:5080' }],
    ['localhost', { host: 'localhost', port: null, hostPort: 'localhost' }],
    ['sip_edge-1.example.com.', { host: 'sip_edge-1.example.com.', port: null, hostPort: 'sip_edge-1.example.com.' }],
    ['  10.0.0.1:5060  ', { host: '10.0.0.1', port: 5060, hostPort: '10.0.0.1:5060' }],
    ['10.0.0.1:05060', { host: '10.0.0.1', port: 5060, hostPort: '10.0.0.1:5060' }],
    ['example.com:65535', { host: 'example.com', port: 65535, hostPort: 'example.com:65535' }],
  ])('parses %j', (input, expected) => {
    expect(parseHostPort(input)).toEqual(expected);
  });

  it.each([
    [''],
    ['   '],
    [':5060'],
    ['example.com:'],
    ['example.com:0'],
    ['example.com:65536'],
    ['example.com:50a'],
    ['example.com:123456'],
    ['2001:db8::1'], // IPv6 needs brackets
    ['[2001:db8::1'],
    ['[2001:db8::1]5060'],
    ['[2001:db8::1]:'],
    ['[not-v6]:5060'],
    ['[fe80::1%eth0]'],
    ['[]'],
    ['999.1.1.1'],
    ['1.2.3'],
    ['-bad.example.com'],
    ['bad-.example.com'],
    ['a..b'],
    ['exa mple.com'],
    ['user@example.com'],
    ['example.com;transport=tls'],
    ['a'.repeat(254)],
  ])('returns null for %j', (input) => {
    expect(parseHostPort(input)).toBeNull();
  });

  it('returns null for a non-string without throwing', () => {
    expect(parseHostPort(undefined as unknown as string)).toBeNull();
    expect(parseHostPort(42 as unknown as string)).toBeNull();
  });
});
