// The project's webhook endpoints as they bear on this server: the ones at its URL, and
// the ones elsewhere that take incoming calls too (an old tunnel, a typo).
import type OpenAI from 'openai';
import type { WebhookEndpoint } from 'openai/resources/webhooks/webhooks';
import { liveIncoming, realtimeIncoming } from './event-types.ts';
import { sameUrl } from './public-url.ts';

export interface FoundEndpoints {
  /** At this URL, newest first. */
  matching: WebhookEndpoint[];
  /** Elsewhere, subscribed to incoming calls. */
  others: WebhookEndpoint[];
}

export async function listAllEndpoints(client: OpenAI, requestOptions: { timeout?: number } = {}): Promise<WebhookEndpoint[]> {
  const all: WebhookEndpoint[] = [];
  for await (const endpoint of client.webhooks.list({ limit: 100 }, requestOptions)) all.push(endpoint);
  return all;
}

export async function findEndpoints(
  client: OpenAI,
  webhookUrl: string,
  requestOptions: { timeout?: number } = {},
): Promise<FoundEndpoints> {
  const all = await listAllEndpoints(client, requestOptions);
  const takesCalls = (e: WebhookEndpoint) => e.event_types.includes(realtimeIncoming) || e.event_types.includes(liveIncoming);
  return {
    matching: all.filter((e) => sameUrl(e.url, webhookUrl)),
    others: all.filter((e) => !sameUrl(e.url, webhookUrl) && takesCalls(e)),
  };
}
