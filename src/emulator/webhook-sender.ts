// Delivers realtime.call.incoming and live.transport.incoming like OpenAI: signed, retried with backoff on non-2xx or no answer.
import type { LiveTransportIncomingWebhookEvent, RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import type { Clock } from '../time/clock.ts';
import type { IncomingEventType, WebhookAttempt, WebhookTamper } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { newCallId, newLiveSessionId, randomHex } from './ids.ts';
import type { EmulatorLogger } from './logger.ts';
import { signWebhook } from './webhook-signing.ts';

export interface WebhookSenderDeps {
  secret: string;
  clock: Clock;
  logger: EmulatorLogger;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  webhookUrl(): string | undefined;
  /** The registered webhook endpoint subscribed to this event type, if any: its URL and the secrets it signs with win. */
  endpoint?: (eventType: IncomingEventType) => { url: string; secrets: string[] } | undefined;
  /** Aborted on close(): stops in-flight attempts and retries. */
  signal: AbortSignal;
}

export interface DeliveryOptions {
  webhookId: string;
  /** Which event: the call's Realtime webhook (default) or its Live one. */
  eventType?: IncomingEventType;
  tamper?: WebhookTamper | undefined;
  retry: boolean;
  copy?: number;
  /** Called once the first attempt got its answer (or none). */
  onFirstAnswer?: () => void;
}

export interface DeliveryResult {
  /** HTTP status of the last attempt; 0 when it got no answer. */
  status: number;
  body: string;
  attempts: number;
}

const maxRecordedBody = 2000;

export function buildIncomingEvent(call: LiveCall, createdAtSeconds: number): RealtimeCallIncomingWebhookEvent {
  return {
    object: 'event',
    id: call.record.eventId,
    type: 'realtime.call.incoming',
    created_at: createdAtSeconds,
    data: {
      call_id: call.id,
      sip_headers: call.record.sipHeaders,
      sip_media_security: call.scenario.sipMediaSecurity,
    },
  } satisfies RealtimeCallIncomingWebhookEvent;
}

/** The same SIP call offered to GPT-Live: its own event and session ids, the same INVITE headers. */
export function buildLiveIncomingEvent(call: LiveCall, createdAtSeconds: number): LiveTransportIncomingWebhookEvent {
  return {
    object: 'event',
    id: call.record.liveEventId,
    type: 'live.transport.incoming',
    created_at: createdAtSeconds,
    data: {
      session_id: call.record.liveSessionId,
      type: 'sip',
      sip_headers: call.record.sipHeaders,
      sip_media_security: call.scenario.sipMediaSecurity,
    },
  } satisfies LiveTransportIncomingWebhookEvent;
}

function bodyFor(call: LiveCall, eventType: IncomingEventType, createdAtSeconds: number): string {
  let body = call.webhookBodies.get(eventType);
  if (body === undefined) {
    const event =
      eventType === 'live.transport.incoming' ? buildLiveIncomingEvent(call, createdAtSeconds) : buildIncomingEvent(call, createdAtSeconds);
    body = JSON.stringify(event);
    call.webhookBodies.set(eventType, body);
  }
  return body;
}

export class WebhookSender {
  readonly #deps: WebhookSenderDeps;

  constructor(deps: WebhookSenderDeps) {
    this.#deps = deps;
  }

  /** One delivery: a single attempt, or attempts with the retry delays until a 2xx. */
  async deliver(call: LiveCall, opts: DeliveryOptions): Promise<DeliveryResult> {
    const delays = opts.retry ? this.#deps.retryDelaysMs : [];
    let last: DeliveryResult = { status: 0, body: '', attempts: 0 };
    for (let attempt = 1; ; attempt++) {
      if (this.#deps.signal.aborted) break;
      const result = await this.#attempt(call, opts, attempt);
      if (attempt === 1) opts.onFirstAnswer?.();
      last = { ...result, attempts: attempt };
      if (result.status >= 200 && result.status < 300) break;
      // Another copy of this delivery already got its 2xx: OpenAI stops retrying.
      if (!opts.tamper && call.ackedWebhookIds.has(opts.webhookId)) break;
      const delay = delays[attempt - 1];
      if (delay === undefined) {
        if (opts.retry) call.issue(`webhook ${opts.webhookId} not acknowledged after ${attempt} attempts`);
        break;
      }
      call.note('webhook', `retrying in ${delay} ms`);
      if (!(await this.#sleep(delay))) break;
      if (!opts.tamper && call.ackedWebhookIds.has(opts.webhookId)) break;
    }
    return last;
  }

  #sleep(ms: number): Promise<boolean> {
    const { signal } = this.#deps;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #attempt(call: LiveCall, opts: DeliveryOptions, attempt: number): Promise<{ status: number; body: string }> {
    const { clock, logger } = this.#deps;
    const eventType = opts.eventType ?? 'realtime.call.incoming';
    const endpoint = this.#deps.endpoint?.(eventType);
    const url = endpoint?.url ?? this.#deps.webhookUrl();
    if (!url) throw new Error('no webhook URL: pass webhookUrl to startEmulator or call setWebhookUrl');
    const { headers, body } = this.#signed(
      call,
      opts,
      bodyFor(call, eventType, Math.floor(clock.epochMs() / 1000)),
      endpoint?.secrets ?? [this.#deps.secret],
    );
    const record: WebhookAttempt = {
      webhookId: opts.webhookId,
      eventType,
      attempt,
      copy: opts.copy ?? 1,
      sentAt: clock.now(),
      status: null,
      ...(opts.tamper ? { tamper: opts.tamper } : {}),
    };
    call.record.webhooks.push(record);
    let answer: { status: number; body: string };
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.#deps.timeoutMs), this.#deps.signal]);
      const res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
      answer = { status: res.status, body: await res.text() };
      record.status = res.status;
      record.responseBody = answer.body.slice(0, maxRecordedBody);
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      record.error = timedOut
        ? `no answer within ${this.#deps.timeoutMs} ms`
        : err instanceof Error
          ? err.cause instanceof Error
            ? err.cause.message
            : err.message
          : String(err);
      answer = { status: 0, body: record.error };
    }
    record.answeredAt = clock.now();
    const ok = answer.status >= 200 && answer.status < 300;
    if (ok && !opts.tamper) call.ackedWebhookIds.add(opts.webhookId);
    const label = opts.tamper ? `tampered (${opts.tamper}) ` : '';
    const outcome = record.status === null ? record.error : String(record.status);
    const copy = record.copy > 1 ? ` copy ${record.copy}` : '';
    const shown = eventType === 'live.transport.incoming' ? `${eventType} ${call.record.liveEventId}` : call.record.eventId;
    call.note(
      'webhook',
      ok && !opts.tamper
        ? `delivered ${shown} → ${outcome} (${attempt} attempt${attempt > 1 ? 's' : ''})${copy}`
        : `${label}attempt ${attempt} ${shown} → ${outcome}${copy}`,
      record.sentAt,
    );
    logger.info(
      { callId: call.id, webhookId: opts.webhookId, eventType, attempt, status: record.status, tamper: opts.tamper ?? null },
      'webhook attempt',
    );
    return answer;
  }

  #signed(
    call: LiveCall,
    opts: DeliveryOptions,
    signedBody: string,
    secrets: readonly string[],
  ): { headers: Record<string, string>; body: string } {
    const { clock } = this.#deps;
    const nowSeconds = Math.floor(clock.epochMs() / 1000);
    let body = signedBody;
    let timestamp = nowSeconds;
    let signingSecrets = secrets;
    if (opts.tamper === 'stale') timestamp = nowSeconds - 600;
    if (opts.tamper === 'future') timestamp = nowSeconds + 600;
    if (opts.tamper === 'wrong-secret') signingSecrets = [`whsec_${Buffer.from(randomHex(24), 'hex').toString('base64')}`];
    // During a secret rotation window OpenAI signs with both secrets: any match passes.
    let signature = signingSecrets.map((secret) => signWebhook(secret, opts.webhookId, timestamp, body)).join(' ');
    // Signed first, altered after: a forged call id the server must not trust.
    if (opts.tamper === 'body') {
      body =
        opts.eventType === 'live.transport.incoming'
          ? body.replace(call.record.liveSessionId, newLiveSessionId())
          : body.replace(call.id, newCallId());
    }
    if (opts.tamper === 'signature') signature = `v1,${Buffer.from(randomHex(32), 'hex').toString('base64')}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
    };
    if (opts.tamper !== 'missing-headers') {
      headers['webhook-id'] = opts.webhookId;
      headers['webhook-timestamp'] = String(timestamp);
      headers['webhook-signature'] = signature;
    }
    return { headers, body };
  }
}
