import { describe, expect, it } from 'vitest';
import { isWebhookSecret } from './sign.ts';

const secretOf = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('isWebhookSecret', () => {
  it('takes whsec_ with 24 to 64 bytes of base64, and nothing else', () => {
    expect([23, 24, 32, 64, 65].map((n) => isWebhookSecret(secretOf(n)))).toEqual([false, true, true, true, false]);
    expect(isWebhookSecret(Buffer.alloc(32, 7).toString('base64'))).toBe(false); // no prefix
    expect(isWebhookSecret('whsec_%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%')).toBe(false);
  });
});
