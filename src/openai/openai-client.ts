import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import OpenAI, { AuthenticationError } from 'openai';
import { buildConnector, Client, Dispatcher, Pool, fetch as undiciFetch } from 'undici';
import { within } from '../server/within.ts';

type BodyReadable = Dispatcher.ResponseData['body'];

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
  /** The models list the last successful checkKey got (null before one), for lifecycle warnings. */
  listedModels(): readonly Record<string, unknown>[] | null;
  /** Lets requests in flight finish for up to graceMs, then cuts every connection. */
  close(graceMs?: number): Promise<void>;
}

/** Requests one HTTP/2 connection carries at once (RFC 9113 asks servers to allow at least 100). */
export const h2StreamsPerConnection = 100;

/**
 * The API's connections: one HTTP/2 connection when the server speaks it, every
 * request multiplexed on it, and the ones beyond h2StreamsPerConnection waiting for
 * a free stream (a new TLS connection would cost three round trips: more than the
 * wait). A server that only speaks HTTP/1.1 gets a pool of connections carrying one
 * request each, no pipelining. undici's own pool would open a connection per
 * concurrent request even on HTTP/2, as each new connection starts out able to
 * carry one request until its protocol is known.
 */
class PreferHttp2 extends Dispatcher {
  private readonly primary: Client;
  private readonly http1: Pool;
  private protocol: 'h2' | 'http/1.1' | null = null;

  constructor(origin: string, ca: string | Buffer | undefined) {
    super();
    const tls = ca ? { ca } : {};
    const keepAlive = { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 10 * 60_000 };
    const connect = buildConnector({ ...tls, allowH2: true });
    const primary: Client = new Client(origin, {
      ...keepAlive,
      allowH2: true,
      connect: (options, callback) =>
        connect(options, (...args) => {
          const socket = args[1] as TLSSocket | null;
          if (socket) {
            this.protocol = socket.alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
            primary.pipelining = this.protocol === 'h2' ? h2StreamsPerConnection : 1;
          }
          callback(...args);
        }),
    });
    this.primary = primary;
    this.http1 = new Pool(origin, { ...keepAlive, connections: 32, connect: tls });
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return (this.protocol === 'http/1.1' ? this.http1 : this.primary).dispatch(opts, handler);
  }

  override async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.http1.close()]);
  }

  override async destroy(): Promise<void> {
    await Promise.all([this.primary.destroy(), this.http1.destroy()]);
  }
}

function isStreamedBody(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

/**
 * Lets requests share an HTTP/2 connection. undici sends a request on a busy
 * connection only if it is marked idempotent and its body is not a stream (it
 * could not replay either); fetch hands it every body as a stream. So: our
 * bodies (small JSON) are read into one buffer first, and requests are marked
 * idempotent. undici never retries on its own, so the mark changes nothing else:
 * retries stay ours (acceptWithRetry). HTTP/1.1 connections still carry one
 * request at a time (PreferHttp2).
 */
const shareConnections: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const shared = { ...opts, idempotent: opts.idempotent ?? true };
  const body = opts.body;
  if (!isStreamedBody(body)) return dispatch(shared, handler);
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  })().then(
    (buffered) => dispatch({ ...shared, body: buffered }, handler),
    // Let undici report the failure the usual way.
    (err: Error) =>
      dispatch(
        {
          ...opts,
          body: new Readable({
            read() {
              this.destroy(err);
            },
          }),
        },
        handler,
      ),
  );
  return true;
};

/**
 * Reads the answer only as it is read. Cancelling it discards the rest without keeping it:
 * a short body is drained (the connection stays reusable), a long one cut off.
 */
function lazyBody(body: BodyReadable): ReadableStream<Uint8Array> {
  body.on('error', () => undefined); // a reader gets errors through the iterator; an unread body must not crash the process
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        void body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * fetch for the SDK over undici's request(): call-control bodies are small JSON
 * strings, sent as they are, and answers are read only as the caller reads them
 * (one it does not need is cancelled, not buffered). undici's own fetch
 * (WebIDL, Request objects, web streams) cost about as much as everything else
 * between the webhook and the accept. Other bodies (streams, forms) go to it still.
 */
function leanFetch(dispatcher: Dispatcher): typeof fetch {
  return async (input, init = {}) => {
    const body = init.body;
    if (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return undiciFetch(input as string, { ...(init as object), dispatcher }) as unknown as Response;
    }
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const method = (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod;
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      body: body ?? null,
      signal: init.signal ?? null,
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) answerHeaders.append(name, v);
    }
    const nullBody = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 205 || res.statusCode === 304;
    if (nullBody) {
      await res.body.dump();
      return new Response(null, { status: res.statusCode, headers: answerHeaders });
    }
    return new Response(lazyBody(res.body), { status: res.statusCode, headers: answerHeaders });
  };
}

// One warm, long-lived connection: a fresh TLS connection costs two extra round trips,
// which the caller hears as ringing. HTTP/2 multiplexes a burst of accepts on it.
export function createOpenAIConnection(opts: OpenAIClientOptions): OpenAIConnection {
  const connections = new PreferHttp2(new URL(opts.baseURL).origin, opts.ca);
  const dispatcher = connections.compose(shareConnections);
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    webhookSecret: opts.webhookSecret,
    maxRetries: 0, // retries are ours: bounded by the accept deadline, not by a count
    fetch: leanFetch(dispatcher),
  });
  const origin = new URL(opts.baseURL).origin;
  let listed: Record<string, unknown>[] | null = null;
  return {
    listedModels: () => listed,
    client,
    async warm() {
      // Any answer proves the connection is up; the status does not matter.
      const res = await dispatcher.request({ origin, path: '/', method: 'HEAD', headersTimeout: 5_000 });
      res.body.resume();
    },
    async checkKey() {
      try {
        const page = await client.models.list({ timeout: 5_000 });
        // Kept whole: fields beyond the SDK's Model type (a shutdown date, one day) are read as data.
        listed = page.data.map((m) => ({ ...m }) as unknown as Record<string, unknown>);
        return 'ok';
      } catch (err) {
        return err instanceof AuthenticationError ? 'refused' : 'unknown';
      }
    },
    async close(graceMs = 1_000) {
      // close() waits for every request in flight: one OpenAI never answers must not hold the exit.
      if (!(await within(connections.close(), graceMs))) await connections.destroy().catch(() => undefined);
    },
  };
}
