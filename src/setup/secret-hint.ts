// Compares a secret with the masked hint OpenAI shows for an endpoint's secret
// (signing_secret_hint). The hint's format is not documented, so only a hint with one
// masked run (`*`, `•`, `…` or `...`) between visible ends is read; anything else is unknown.

/** true/false when the hint can be read, null when it cannot. */
export function hintMatches(hint: string | null | undefined, secret: string): boolean | null {
  if (!hint) return null;
  const m = /^([^*•…]*?)(?:\*+|•+|…|\.{3,})([^*•…]*)$/.exec(hint);
  if (!m) return null;
  const [, prefix = '', suffix = ''] = m;
  if (prefix.length + suffix.length < 4) return null;
  return secret.length >= prefix.length + suffix.length && secret.startsWith(prefix) && secret.endsWith(suffix);
}

/** A short, non-reversible name for a secret, to tell two secrets apart in output. */
export async function secretFingerprint(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return Buffer.from(digest).toString('hex').slice(0, 12);
}
