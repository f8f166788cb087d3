import type OpenAI from 'openai';
import type { UnwrapWebhookEvent } from 'openai/resources/webhooks/webhooks';

export type Verdict = { ok: true; event: UnwrapWebhookEvent } | { ok: false; reason: 'signature' | 'body'; message: string };

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** How old (or how far ahead) a webhook timestamp may be: the SDK's default, passed explicitly. */
export const webhookToleranceSeconds = 300;
/** Standard Webhooks sends one signature per active secret: a few during a rotation, never dozens. */
export const maxWebhookSignatures = 5;

export type Refusal = { status: 400 | 413; reason: 'headers' | 'stale' | 'signatures' | 'too_large'; message: string };

/**
 * What can be refused from the headers alone, before the body is read or an HMAC computed:
 * missing Standard Webhooks headers, a timestamp outside the tolerance, too many
 * signatures, a declared body over the limit. null: read the body and verify it.
 */
export function precheckWebhook(headers: IncomingHeaders, opts: { maxBodyBytes: number; nowMs: number }): Refusal | null {
  const length = headers['content-length'];
  if (typeof length === 'string' && Number(length) > opts.maxBodyBytes) {
    return { status: 413, reason: 'too_large', message: `body of ${length} bytes is over the limit of ${opts.maxBodyBytes}` };
  }
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    return { status: 400, reason: 'headers', message: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(seconds) || Math.abs(opts.nowMs / 1000 - seconds) > webhookToleranceSeconds) {
    return { status: 400, reason: 'stale', message: `webhook-timestamp is not within ${webhookToleranceSeconds} s of now` };
  }
  if (signature.split(' ', maxWebhookSignatures + 1).filter(Boolean).length > maxWebhookSignatures) {
    return { status: 400, reason: 'signatures', message: `more than ${maxWebhookSignatures} signatures` };
  }
  return null;
}

/** Checks the Standard Webhooks signature on the raw body with the SDK, then parses it. */
export async function verifyWebhook(client: OpenAI, rawBody: string, headers: IncomingHeaders, secret: string): Promise<Verdict> {
  const plain: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headers[name];
    if (typeof value === 'string') plain[name] = value;
  }
  try {
    return { ok: true, event: await client.webhooks.unwrap(rawBody, plain, secret, webhookToleranceSeconds) };
  } catch (err) {
    // unwrap verifies first, then JSON.parse: a SyntaxError means a signed but malformed body.
    if (err instanceof SyntaxError) return { ok: false, reason: 'body', message: 'body is not valid JSON' };
    return { ok: false, reason: 'signature', message: (err as Error).message };
  }
}
