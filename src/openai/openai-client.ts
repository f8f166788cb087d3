import OpenAI, { AuthenticationError } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';

export interface OpenAIClientOptions {
  apiKey: string;
  baseURL: string;
  webhookSecret: string;
  /** Extra CA for a private endpoint, when NODE_EXTRA_CA_CERTS can't be used (tests). */
  ca?: string | Buffer;
}

export interface OpenAIConnection {
  client: OpenAI;
  /** Opens (or keeps) a pooled connection, so the first accept pays no TCP/TLS handshake. */
  warm(): Promise<void>;
  /**
   * The first warm-up goes through the SDK's own request path (so its code is hot
   * for the first call) and tells whether the API key is refused.
   */
  checkKey(): Promise<'ok' | 'refused' | 'unknown'>;
  close(): Promise<void>;
}

// One warm, long-lived pool: a fresh TLS connection costs two extra round trips,
// which the caller hears as ringing. HTTP/2 multiplexes a burst of accepts on it.
export function createOpenAIConnection(opts: OpenAIClientOptions): OpenAIConnection {
  const dispatcher = new Agent({
    allowH2: true,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 10 * 60_000,
    connections: 32,
    ...(opts.ca ? { connect: { ca: opts.ca } } : {}),
  });
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    webhookSecret: opts.webhookSecret,
    maxRetries: 0, // retries are ours: bounded by the accept deadline, not by a count
    fetch: undiciFetch as unknown as typeof fetch,
    fetchOptions: { dispatcher },
  });
  const origin = new URL(opts.baseURL).origin;
  return {
    client,
    async warm() {
      // Any answer proves the connection is up; the status does not matter.
      const res = await dispatcher.request({ origin, path: '/', method: 'HEAD', headersTimeout: 5_000 });
      res.body.resume();
    },
    async checkKey() {
      try {
        await client.models.list({ timeout: 5_000 });
        return 'ok';
      } catch (err) {
        return err instanceof AuthenticationError ? 'refused' : 'unknown';
      }
    },
    async close() {
      await dispatcher.close();
    },
  };
}
