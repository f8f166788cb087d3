// Standard Webhooks signatures, as OpenAI signs its webhooks (verifiable by client.webhooks.unwrap).
import { createHmac } from 'node:crypto';

/** `whsec_<base64>` decodes the base64 part; anything else is used as UTF-8, like the SDK. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function isValidWebhookSecret(secret: string): boolean {
  return secret.length > 0 && (!secret.startsWith('whsec_') || secretBytes(secret).length >= 16);
}
