import { Webhook } from 'standardwebhooks';

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
