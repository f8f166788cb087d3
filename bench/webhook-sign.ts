import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signature, as OpenAI signs: v1,base64(HMAC-SHA256(secret, "id.timestamp.body")).
 * Same signature as the emulator's signWebhook, so either can be used.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
