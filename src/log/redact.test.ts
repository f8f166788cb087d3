import { describe, expect, it } from 'vitest';
import { redactPhone, redactPhonesInText } from './redact.ts';

describe('redactPhone', () => {
  it('keeps only the last four digits', () => {
    expect(redactPhone('+19195551234', false)).toBe('+*******1234');
    expect(redactPhone('19195551234', false)).toBe('*******1234');
  });
  it('shows the number when the operator opts in', () => {
    expect(redactPhone('+19195551234', true)).toBe('+19195551234');
  });
  it('masks short values entirely and passes null through', () => {
    expect(redactPhone('123', false)).toBe('****');
    expect(redactPhone(null, false)).toBeNull();
  });
  it('masks numbers inside SIP URIs and text', () => {
    expect(redactPhonesInText('sip:+19195554321@67.231.5.176:5061', false)).toBe('sip:+*******4321@67.231.5.176:5061');
    expect(redactPhonesInText('call me at 919-555-1234', false)).toBe('call me at ******1234');
    expect(redactPhonesInText('sip:+19195554321@h', true)).toBe('sip:+19195554321@h');
  });
  it('masks dotted, spaced and bracketed numbers, and leaves IP addresses and short numbers alone', () => {
    expect(redactPhonesInText('it is 919.555.1234.', false)).toBe('it is ******1234.');
    expect(redactPhonesInText('it is 919 555 1234', false)).toBe('it is ******1234');
    expect(redactPhonesInText('it is (919) 555-1234', false)).toBe('it is ******1234');
    expect(redactPhonesInText('it is +1 (919) 555-1234', false)).toBe('it is +*******1234');
    expect(redactPhonesInText('London: +44 20 7946 0958', false)).toBe('London: +********0958');
    expect(redactPhonesInText('call 555.1234 now', false)).toBe('call ***1234 now');
    expect(redactPhonesInText('sip:+19195554321@67.231.5.176:5061 via 10.0.0.1', false)).toBe(
      'sip:+*******4321@67.231.5.176:5061 via 10.0.0.1',
    );
    expect(redactPhonesInText('order 42, pi is 3.14159, 12 items', false)).toBe('order 42, pi is 3.14159, 12 items');
  });
});
