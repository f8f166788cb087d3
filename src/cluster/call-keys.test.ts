import { describe, expect, it } from 'vitest';
import { callKeys } from './call-keys.ts';

describe('callKeys', () => {
  const headers = [
    { name: 'From', value: '"+19195551234" <sip:+19195551234@67.231.5.176;user=phone>;tag=gK0a1b2c3d' },
    { name: 'To', value: '<sip:+19195550000@sip.api.openai.com>' },
    { name: 'Call-ID', value: '1234567890_78456321@67.231.5.176' },
  ];

  it('is the SIP Call-ID and From tag, the same for both webhooks of one call', () => {
    expect(callKeys('rtc_1', headers)).toEqual({ callId: 'rtc_1', correlationKey: '1234567890_78456321@67.231.5.176;gK0a1b2c3d' });
    expect(callKeys('live_1', headers).correlationKey).toBe(callKeys('rtc_1', headers).correlationKey);
  });

  it('reads compact forms, and tells calls with another From tag apart', () => {
    const compact = [
      { name: 'f', value: '<sip:+19195551234@example.com>;tag=other' },
      { name: 'i', value: '1234567890_78456321@67.231.5.176' },
    ];
    expect(callKeys('rtc_2', compact).correlationKey).toBe('1234567890_78456321@67.231.5.176;other');
  });

  it('has no correlation key without a usable Call-ID', () => {
    expect(callKeys('rtc_3', [{ name: 'From', value: '<sip:a@b>;tag=1' }])).toEqual({ callId: 'rtc_3', correlationKey: null });
    expect(callKeys('rtc_4', [{ name: 'Call-ID', value: 'a b' }]).correlationKey).toBeNull();
    expect(callKeys('rtc_5', null).correlationKey).toBeNull();
  });
});
