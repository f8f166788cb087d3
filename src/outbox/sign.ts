import { Webhook } from 'standardwebhooks';

export const webhookSecretProblem =
  'expected a Standard Webhooks secret: whsec_ followed by 24 to 64 base64-encoded random bytes (`echo whsec_$(openssl rand -base64 32)`)';

/** A secret we sign with (call events, HTTP tools): `whsec_` + base64 of 24 to 64 random bytes, as Standard Webhooks advises. */
export function isWebhookSecret(value: string): boolean {
  const b64 = value.startsWith('whsec_') ? value.slice('whsec_'.length) : null;
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const bytes = Buffer.from(b64, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * Standard Webhooks headers for one attempt. The timestamp is the attempt's, so
 * receivers' replay tolerance holds on retries; id and body never change.
 */
export function signatureHeaders(secret: string, id: string, payload: string, at: Date): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, payload),
  };
}
