import { describe, expect, it } from 'vitest';
import { hintMatches, secretFingerprint } from './secret-hint.ts';

describe('signing secret hints', () => {
  const secret = 'whsec_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcd=';
  it('reads a hint with one masked run', () => {
    expect(hintMatches('whsec_AbC…bcd=', secret)).toBe(true);
    expect(hintMatches('whsec_****bcd=', secret)).toBe(true);
    expect(hintMatches('whsec_•••••bcd=', secret)).toBe(true);
    expect(hintMatches('whsec_Xy...bcd=', secret)).toBe(false);
    expect(hintMatches('whsec_AbC…zzzz', secret)).toBe(false);
  });
  it('says unknown when the hint cannot be read', () => {
    expect(hintMatches(null, secret)).toBeNull();
    expect(hintMatches('abcd', secret)).toBeNull();
    expect(hintMatches('***', secret)).toBeNull();
    expect(hintMatches('a*b*c', secret)).toBeNull();
  });
  it('fingerprints tell secrets apart without showing them', async () => {
    const a = await secretFingerprint(secret);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(await secretFingerprint(secret)).toBe(a);
    expect(await secretFingerprint(`${secret}x`)).not.toBe(a);
  });
});
