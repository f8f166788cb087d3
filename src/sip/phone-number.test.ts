import { describe, expect, it } from 'vitest';
import { normalizePhoneNumber } from './phone-number.ts';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+19195551234', '+19195551234'],
    ['19195551234', '19195551234'],
    ['+1-919-555-1234', '+19195551234'],
    ['+1.919.555.1234', '+19195551234'],
    ['+1(919)555-1234', '+19195551234'],
    ['911', '911'],
    ['+441', '+441'],
    [' +442071838750 ', '+442071838750'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizePhoneNumber(input)).toBe(expected);
  });

  it.each([
    ['anonymous'],
    ['proj_12345abc'],
    [''],
    ['+'],
    ['12'],
    ['+1'],
    ['+44'],
    ['+1 919 555 1234'], // spaces are not RFC 3966 visual separators
    ['1+9195551234'],
    ['++19195551234'],
    ['+1919555123x'],
    ['*67'],
    ['１２３'], // full-width digits are not ASCII digits
  ])('returns null for %j', (input) => {
    expect(normalizePhoneNumber(input)).toBeNull();
  });

  it('returns null for a non-string without throwing', () => {
    expect(normalizePhoneNumber(null as unknown as string)).toBeNull();
  });
});
