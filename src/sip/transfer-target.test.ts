import { describe, expect, it } from 'vitest';
import { isTransferTarget } from './transfer-target.ts';

describe('isTransferTarget', () => {
  it('takes an E.164 number or a sip:/sips: URI with a user part', () => {
    for (const ok of [
      '+19195554321',
      '+442071838750',
      'sip:+19195554321@67.231.5.176:5061;transport=tls',
      'sip:desk@pbx.example.com',
      'sips:desk@pbx.example.com',
    ]) {
      expect(isTransferTarget(ok), ok).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const bad of [
      '19195554321',
      '+0195554321',
      '+1919',
      'tel:+19195554321',
      'sip:pbx.example.com',
      'http://x@y',
      'sip:desk@',
      ' +19195554321',
      'sip:a b@host',
    ]) {
      expect(isTransferTarget(bad), bad).toBe(false);
    }
  });
});
