import type OpenAI from 'openai';
import type { UnwrapWebhookEvent } from 'openai/resources/webhooks/webhooks';

export type Verdict =
  | { ok: true; event: UnwrapWebhookEvent }
  | { ok: false; reason: 'signature' | 'body'; message: string };

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** Checks the Standard Webhooks signature on the raw body with the SDK, then parses it. */
export async function verifyWebhook(client: OpenAI, rawBody: string, headers: IncomingHeaders, secret: string): Promise<Verdict> {
  const plain: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headers[name];
    if (typeof value === 'string') plain[name] = value;
  }
  try {
    return { ok: true, event: await client.webhooks.unwrap(rawBody, plain, secret) };
  } catch (err) {
    // unwrap verifies first, then JSON.parse: a SyntaxError means a signed but malformed body.
    if (err instanceof SyntaxError) return { ok: false, reason: 'body', message: 'body is not valid JSON' };
    return { ok: false, reason: 'signature', message: (err as Error).message };
  }
}
