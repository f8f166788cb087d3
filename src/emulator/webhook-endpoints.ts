// The project's webhook endpoints, as OpenAI keeps them (client.webhooks.*): what setup
// registers, what test deliveries and incoming-call webhooks are sent to and signed with.
import { randomBytes } from 'node:crypto';
import type {
  BatchCompletedWebhookEvent,
  DeletedWebhookEndpoint,
  RealtimeCallIncomingWebhookEvent,
  WebhookCreateParams,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointTestResult,
  WebhookEndpointWithSecret,
  WebhookEventTypeList,
  WebhookTestParams,
} from 'openai/resources/webhooks/webhooks';
import type { Clock } from '../time/clock.ts';
import { type ApiFailure, apiFailure } from './errors.ts';
import { newCallId, newWebhookEventId, newWebhookId, randomHex } from './ids.ts';
import { buildInviteHeaders } from './invite-headers.ts';
import type { EmulatorLogger } from './logger.ts';
import {
  at,
  exhaustiveValues,
  expectBoolean,
  expectInteger,
  expectObject,
  expectString,
  expectStringArray,
  fail,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';
import { signWebhook } from './webhook-signing.ts';

type SubscribableEventType = WebhookCreateParams['event_types'][number];

/** Every event type the SDK lets create/update/test name, checked by tsc against its unions. */
export const sdkEventTypes = exhaustiveValues<SubscribableEventType & WebhookTestParams['event_type']>()([
  'batch.completed',
  'batch.failed',
  'batch.expired',
  'batch.cancelled',
  'response.completed',
  'response.failed',
  'response.cancelled',
  'response.incomplete',
  'eval.run.succeeded',
  'eval.run.failed',
  'eval.run.canceled',
  'fine_tuning.job.succeeded',
  'fine_tuning.job.failed',
  'fine_tuning.job.cancelled',
  'realtime.call.incoming',
  'video.completed',
  'video.failed',
  'agent.environment.ready',
  'agent.environment.failed',
  'agent.environment.suspended',
  'agent.environment.expired',
  'agent.session.created',
  'agent.session.action_required',
  'agent.session.in_progress',
  'agent.session.idle',
  'agent.session.failed',
  'safety.alert.created',
]);

/** GPT-Live SIP's webhook: subscribable on projects with GPT-Live SIP, though the SDK's unions omit it. */
export const liveIncomingEventType = 'live.transport.incoming';
/** Deprecated by OpenAI: no new subscriptions. */
const closedEventTypes = new Set(['live.call.incoming']);

const dayMs = 24 * 60 * 60 * 1000;
const maxNameLength = 256;
const maxUrlLength = 2048;

export interface WebhookEndpointsOptions {
  clock: Clock;
  logger: EmulatorLogger;
  /** GPT-Live SIP enabled for the project: live.transport.incoming is listed and subscribable. Default true. */
  liveSip?: boolean;
  /** Refuse a test of an event type the endpoint is not subscribed to (OpenAI's rule is unknown). Default false. */
  testRequiresSubscription?: boolean;
  /** How long a test delivery may take before it counts as unreachable. */
  deliveryTimeoutMs: number;
  signal: AbortSignal;
}

interface EndpointState {
  id: string;
  createdAt: number;
  updatedAt: number;
  name: string;
  url: string;
  eventTypes: string[];
  secret: string;
  previous: { secret: string; untilEpochMs: number } | null;
}

/** A test delivery as the emulator made it. */
export interface WebhookTestRecord {
  endpointId: string;
  eventType: string;
  url: string;
  webhookId: string;
  /** null: no answer (connection refused, timeout). */
  status: number | null;
  error?: string;
  /** How many secrets signed it (2 during a rotation window). */
  signatures: number;
}

/** What tests read: the endpoint as the API shows it, plus its secrets. */
export interface EmulatedWebhookEndpoint extends WebhookEndpoint {
  signingSecret: string;
  previousSecret: { secret: string; until: string } | null;
}

export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; failure: ApiFailure };

const newEndpointId = (): string => `whe_${randomHex(12)}`;
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** A masked hint like OpenAI's signing_secret_hint (its exact format is not documented). */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 'whsec_'.length + 3)}…${secret.slice(-4)}`;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** OpenAI delivers to HTTPS only; the emulator also takes http on loopback, for local servers. */
function expectWebhookUrl(value: unknown, param: string): string {
  const url = expectString(value, param, { maxLength: maxUrlLength });
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  const allowed = parsed !== null && (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname)));
  if (!allowed) fail(apiFailure(400, `Invalid '${param}': expected an HTTPS URL, but got '${url}'.`, { param, code: 'invalid_url' }));
  return url;
}

function expectName(value: unknown, param: string): string {
  const name = expectString(value, param, { maxLength: maxNameLength });
  if (name.length === 0) {
    fail(
      apiFailure(400, `Invalid '${param}': string too short. Expected a string with minimum length 1, but got an empty string instead.`, {
        param,
        code: 'string_below_min_length',
      }),
    );
  }
  return name;
}

export class WebhookEndpoints {
  readonly #opts: WebhookEndpointsOptions;
  readonly #endpoints: EndpointState[] = [];
  readonly tests: WebhookTestRecord[] = [];

  constructor(opts: WebhookEndpointsOptions) {
    this.#opts = opts;
  }

  /** The event types this project can subscribe to. */
  visibleEventTypes(): string[] {
    return [...sdkEventTypes, ...(this.#opts.liveSip === false ? [] : [liveIncomingEventType])];
  }

  eventTypes(): WebhookEventTypeList {
    return { object: 'list', data: this.visibleEventTypes() };
  }

  create(body: unknown): Answer<WebhookEndpointWithSecret> {
    const checked = runChecks(() => {
      const obj = expectObject(body ?? {}, 'body');
      rejectUnknownKeys(obj, new Set(['event_types', 'name', 'url']), '');
      return {
        eventTypes: this.#expectEventTypes(requireKey(obj, 'event_types', ''), 'event_types'),
        name: expectName(requireKey(obj, 'name', ''), 'name'),
        url: expectWebhookUrl(requireKey(obj, 'url', ''), 'url'),
      };
    });
    if (!checked.ok) return checked;
    const now = this.#nowSeconds();
    const state: EndpointState = {
      id: newEndpointId(),
      createdAt: now,
      updatedAt: now,
      ...checked.value,
      secret: newSecret(),
      previous: null,
    };
    this.#endpoints.push(state);
    this.#opts.logger.info({ endpointId: state.id, url: state.url, eventTypes: state.eventTypes }, 'webhook endpoint created');
    return { ok: true, status: 200, body: this.#withSecret(state) };
  }

  retrieve(id: string): Answer<WebhookEndpoint> {
    const state = this.#find(id);
    return state ? { ok: true, status: 200, body: this.#view(state) } : this.#notFound(id);
  }

  /** Newest first, cursor `after` = the last id of the previous page. */
  list(query: Record<string, unknown>): Answer<WebhookEndpointList> {
    const checked = runChecks(() => {
      rejectUnknownKeys(query, new Set(['after', 'limit']), '');
      const limit = query.limit === undefined ? 20 : expectInteger(Number(query.limit), 'limit', { min: 1, max: 100 });
      const after = query.after === undefined ? null : expectString(query.after, 'after');
      return { limit, after };
    });
    if (!checked.ok) return checked;
    const newestFirst = [...this.#endpoints].reverse();
    let start = 0;
    if (checked.value.after !== null) {
      const index = newestFirst.findIndex((e) => e.id === checked.value.after);
      if (index === -1)
        return {
          ok: false,
          failure: apiFailure(400, `Invalid 'after': no webhook endpoint '${checked.value.after}'.`, {
            param: 'after',
            code: 'invalid_value',
          }),
        };
      start = index + 1;
    }
    const page = newestFirst.slice(start, start + checked.value.limit).map((s) => this.#view(s));
    return {
      ok: true,
      status: 200,
      body: {
        object: 'list',
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page[page.length - 1]?.id ?? null,
        has_more: start + page.length < newestFirst.length,
      },
    };
  }

  update(id: string, body: unknown): Answer<WebhookEndpoint> {
    const state = this.#find(id);
    if (!state) return this.#notFound(id);
    const checked = runChecks(() => {
      const obj = expectObject(body ?? {}, 'body');
      rejectUnknownKeys(obj, new Set(['event_types', 'name', 'url']), '');
      return {
        ...(obj.event_types !== undefined ? { eventTypes: this.#expectEventTypes(obj.event_types, 'event_types') } : {}),
        ...(obj.name !== undefined ? { name: expectName(obj.name, 'name') } : {}),
        ...(obj.url !== undefined ? { url: expectWebhookUrl(obj.url, 'url') } : {}),
      };
    });
    if (!checked.ok) return checked;
    const next = { ...state, ...checked.value };
    // "tests and unchanged updates do not advance updated_at"
    const changed = next.name !== state.name || next.url !== state.url || next.eventTypes.join('\n') !== state.eventTypes.join('\n');
    if (changed) {
      Object.assign(state, checked.value, { updatedAt: this.#nowSeconds() });
      this.#opts.logger.info({ endpointId: id, url: state.url, eventTypes: state.eventTypes }, 'webhook endpoint updated');
    }
    return { ok: true, status: 200, body: this.#view(state) };
  }

  delete(id: string): Answer<DeletedWebhookEndpoint> {
    const index = this.#endpoints.findIndex((e) => e.id === id);
    if (index === -1) return this.#notFound(id);
    this.#endpoints.splice(index, 1);
    this.#opts.logger.info({ endpointId: id }, 'webhook endpoint deleted');
    return { ok: true, status: 200, body: { id, deleted: true, object: 'webhook_endpoint.deleted' } };
  }

  rotateSecret(id: string, body: unknown): Answer<WebhookEndpointWithSecret> {
    const state = this.#find(id);
    if (!state) return this.#notFound(id);
    const checked = runChecks(() => {
      const obj = expectObject(body ?? {}, 'body');
      rejectUnknownKeys(obj, new Set(['keep_old_secret_active_for_24_hours']), '');
      const keep = obj.keep_old_secret_active_for_24_hours;
      return keep === undefined ? false : expectBoolean(keep, 'keep_old_secret_active_for_24_hours');
    });
    if (!checked.ok) return checked;
    state.previous = checked.value ? { secret: state.secret, untilEpochMs: this.#opts.clock.epochMs() + dayMs } : null;
    state.secret = newSecret();
    state.updatedAt = this.#nowSeconds();
    this.#opts.logger.info({ endpointId: id, keepOld: checked.value }, 'webhook endpoint secret rotated');
    return { ok: true, status: 200, body: this.#withSecret(state) };
  }

  /** Sends a sample event of that type to the endpoint's URL, signed, and reports the answer. */
  async test(id: string, body: unknown): Promise<Answer<WebhookEndpointTestResult>> {
    const state = this.#find(id);
    if (!state) return this.#notFound(id);
    const checked = runChecks(() => {
      const obj = expectObject(body ?? {}, 'body');
      rejectUnknownKeys(obj, new Set(['event_type']), '');
      const type = expectString(requireKey(obj, 'event_type', ''), 'event_type');
      if (!(sdkEventTypes as readonly string[]).includes(type)) {
        fail(
          apiFailure(400, `Invalid 'event_type': '${type}' cannot be sent as a test event.`, {
            param: 'event_type',
            code: 'invalid_value',
          }),
        );
      }
      if (this.#opts.testRequiresSubscription && !state.eventTypes.includes(type)) {
        fail(
          apiFailure(400, `Invalid 'event_type': webhook endpoint '${id}' is not subscribed to '${type}'.`, {
            param: 'event_type',
            code: 'invalid_value',
          }),
        );
      }
      return type;
    });
    if (!checked.ok) return checked;
    const eventType = checked.value;
    const webhookId = newWebhookId();
    const payload = JSON.stringify(sampleEvent(eventType, Math.floor(this.#opts.clock.epochMs() / 1000)));
    const secrets = this.signingSecrets(state.id);
    const record: WebhookTestRecord = { endpointId: id, eventType, url: state.url, webhookId, status: null, signatures: secrets.length };
    this.tests.push(record);
    const answer = await this.#post(state.url, webhookId, payload, secrets);
    record.status = answer.status;
    if (answer.error !== undefined) record.error = answer.error;
    this.#opts.logger.info({ endpointId: id, eventType, status: answer.status, error: answer.error ?? null }, 'webhook endpoint test');
    if (answer.status === null) {
      return {
        ok: false,
        failure: apiFailure(400, `The test event could not be delivered to '${state.url}': ${answer.error}.`, {
          code: 'webhook_delivery_failed',
        }),
      };
    }
    return {
      ok: true,
      status: 200,
      body: { object: 'webhook_endpoint.test', event_type: eventType, status_code: answer.status, success: true, webhook_endpoint_id: id },
    };
  }

  /** The secrets a delivery to this endpoint is signed with now: the current one, and the old one during its 24 h. */
  signingSecrets(id: string): string[] {
    const state = this.#find(id);
    if (!state) return [];
    const previous = state.previous && this.#opts.clock.epochMs() < state.previous.untilEpochMs ? [state.previous.secret] : [];
    return [state.secret, ...previous];
  }

  /** Where an incoming call's webhook goes: the newest endpoint subscribed to the event type. */
  target(eventType: string): { id: string; url: string; secrets: string[] } | undefined {
    const state = [...this.#endpoints].reverse().find((e) => e.eventTypes.includes(eventType));
    return state ? { id: state.id, url: state.url, secrets: this.signingSecrets(state.id) } : undefined;
  }

  snapshot(): EmulatedWebhookEndpoint[] {
    return this.#endpoints.map((s) => ({
      ...this.#view(s),
      signingSecret: s.secret,
      previousSecret: s.previous ? { secret: s.previous.secret, until: new Date(s.previous.untilEpochMs).toISOString() } : null,
    }));
  }

  async #post(url: string, webhookId: string, payload: string, secrets: string[]): Promise<{ status: number | null; error?: string }> {
    const timestamp = Math.floor(this.#opts.clock.epochMs() / 1000);
    const signature = secrets.map((s) => signWebhook(s, webhookId, timestamp, payload)).join(' ');
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.#opts.deliveryTimeoutMs), this.#opts.signal]);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
          'webhook-id': webhookId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body: payload,
        signal,
        redirect: 'manual',
      });
      await res.arrayBuffer();
      return { status: res.status };
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const cause =
        err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
      return { status: null, error: timedOut ? `no answer within ${this.#opts.deliveryTimeoutMs} ms` : cause };
    }
  }

  #expectEventTypes(value: unknown, param: string): string[] {
    const types = expectStringArray(value, param);
    if (types.length === 0) {
      fail(apiFailure(400, `Invalid '${param}': expected at least one event type.`, { param, code: 'empty_array' }));
    }
    const visible = this.visibleEventTypes();
    types.forEach((type, i) => {
      if (closedEventTypes.has(type)) {
        fail(
          apiFailure(400, `Invalid '${at(param, i)}': '${type}' is deprecated and takes no new subscriptions.`, {
            param: at(param, i),
            code: 'invalid_value',
          }),
        );
      }
      if (!visible.includes(type)) {
        fail(
          apiFailure(400, `Invalid '${at(param, i)}': '${type}' is not an event type available to this project.`, {
            param: at(param, i),
            code: 'invalid_value',
          }),
        );
      }
    });
    return [...new Set(types)];
  }

  #find(id: string): EndpointState | undefined {
    return this.#endpoints.find((e) => e.id === id);
  }

  #notFound(id: string): { ok: false; failure: ApiFailure } {
    return {
      ok: false,
      failure: apiFailure(404, `No webhook endpoint found with id '${id}'.`, {
        param: 'webhook_endpoint_id',
        code: 'webhook_endpoint_not_found',
      }),
    };
  }

  #nowSeconds(): number {
    return Math.floor(this.#opts.clock.epochMs() / 1000);
  }

  #view(s: EndpointState): WebhookEndpoint {
    return {
      id: s.id,
      object: 'webhook_endpoint',
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      name: s.name,
      url: s.url,
      event_types: [...s.eventTypes],
      signing_secret_hint: secretHint(s.secret),
    };
  }

  #withSecret(s: EndpointState): WebhookEndpointWithSecret {
    return { ...this.#view(s), signing_secret: s.secret };
  }
}

/** A sample event of the type, as a test delivery carries it (OpenAI's exact samples are not documented). */
export function sampleEvent(type: string, createdAtSeconds: number): Record<string, unknown> {
  const base = { id: newWebhookEventId(), object: 'event' as const, created_at: createdAtSeconds };
  if (type === 'realtime.call.incoming') {
    return {
      ...base,
      type,
      data: {
        call_id: newCallId(),
        sip_headers: buildInviteHeaders({ from: '+14255551212', to: '+18005551212' }),
        sip_media_security: 'srtp',
      },
    } satisfies RealtimeCallIncomingWebhookEvent;
  }
  if (type === 'batch.completed') return { ...base, type, data: { id: `batch_${randomHex(12)}` } } satisfies BatchCompletedWebhookEvent;
  return { ...base, type, data: { id: `sample_${randomHex(8)}` } };
}
