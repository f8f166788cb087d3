import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorBody } from '../errors.ts';
import { createLogLimiter } from '../log/log-limiter.ts';
import type { Logger } from '../log/logger.ts';
import type { AnswerCall, AnswerOutcome } from '../pickup/answer-call.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import type { DeliveryDedupe } from './delivery-dedupe.ts';
import type { DeliveryNote } from './delivery-log.ts';
import { type IncomingCallEvent, incomingCall } from './incoming-call.ts';
import { precheckWebhook, verifyWebhook } from './verify-webhook.ts';

export const webhookPath = '/webhooks/openai/realtime/call/inbound';
/** The same webhooks on a Live-named path, as Bandwidth's GPT-Live sample configures (its exact path is unverified). */
export const liveWebhookPath = '/webhooks/openai/live/call/inbound';

const sipHeaders = z.array(z.object({ name: z.string(), value: z.string() })).max(500);
const incomingCallSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('realtime.call.incoming'),
    id: z.string(),
    created_at: z.number(),
    data: z.object({ call_id: z.string().min(1).max(256), sip_headers: sipHeaders, sip_media_security: z.string().optional() }),
  }),
  z.object({
    type: z.literal('live.transport.incoming'),
    id: z.string(),
    created_at: z.number(),
    data: z.object({
      session_id: z.string().min(1).max(256),
      type: z.literal('sip'),
      sip_headers: sipHeaders,
      sip_media_security: z.string().optional(),
    }),
  }),
]);
const callEventTypes = new Set(['realtime.call.incoming', 'live.transport.incoming']);

/** The one place an outcome becomes an HTTP answer: 200 for anything settled, 502 so OpenAI retries a failed accept. */
export function httpAnswer(outcome: AnswerOutcome): { status: number; body: Record<string, unknown> } {
  switch (outcome.kind) {
    case 'accepted':
    case 'rejected':
    case 'gone':
      return { status: 200, body: { callId: outcome.callId, status: outcome.kind } };
    case 'other_surface':
      // The same SIP call's other webhook gets (or got) the accept: acknowledged, never accepted.
      return { status: 200, body: { callId: outcome.callId, status: outcome.kind, surface: outcome.surface } };
    case 'failed':
      return { status: 502, body: errorBody('accept_failed', undefined, { callId: outcome.callId }) };
    case 'taken':
      return { status: 200, body: { callId: outcome.callId, status: outcome.state, owner: outcome.owner } };
    case 'retry':
      return { status: 503, body: errorBody(outcome.why, undefined, { callId: outcome.callId }) };
  }
}

export interface WebhookRouteDeps {
  webhookSecret: string;
  /** The secret before a rotation, while it is still to be accepted (null once it expired). */
  previousWebhookSecret?: () => string | null;
  /** Told about every delivery, verified or refused, before it is answered. */
  onDelivery?: (note: DeliveryNote) => void;
  dedupe: DeliveryDedupe;
  answerCall: AnswerCall;
  isDraining: () => boolean;
  /** A call this process already controls: answered without a second accept. */
  isLive: (callId: string) => boolean;
  bodyLimitBytes: number;
  log: Logger;
  /** Monotonic time for answer figures, wall time for the timestamp check. */
  clock?: Clock;
  /** Counts every refusal (the log line is rate-limited). */
  onRefused?: (reason: string) => void;
}

function send(reply: FastifyReply, outcome: AnswerOutcome): FastifyReply {
  const { status, body } = httpAnswer(outcome);
  if (status === 503) reply.header('retry-after', '1');
  return reply.code(status).send(body);
}

function isEvent(value: unknown): value is { type: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function registerWebhookRoute(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const clock = deps.clock ?? systemClock;
  // Anyone can send these: at most 10 lines a minute; the next line counts the rest.
  const limiter = createLogLimiter({ max: 10, windowMs: 60_000, now: () => clock.now() });
  const refused = (reason: string, fields: { detail: string; webhookId: unknown }) => {
    deps.onRefused?.(reason);
    if (typeof fields.webhookId === 'string') fields.webhookId = fields.webhookId.slice(0, 100);
    const suppressed = limiter.take();
    if (suppressed !== false) deps.log.warn({ reason, ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, 'webhook refused');
  };
  app.register(async (scope) => {
    // Cheap refusals first: from the headers alone, before the body is read or an HMAC computed.
    scope.addHook('onRequest', async (req, reply) => {
      const refusal = precheckWebhook(req.headers, { maxBodyBytes: deps.bodyLimitBytes, nowMs: clock.epochMs() });
      if (!refusal) return;
      refused(refusal.reason, { detail: refusal.message, webhookId: req.headers['webhook-id'] });
      // A delivery refused for its headers still arrived (the doctor looks for it); a too-large one is not noted.
      if (refusal.status === 400) {
        const headerId = req.headers['webhook-id'];
        deps.onDelivery?.({
          webhookId: typeof headerId === 'string' ? headerId : null,
          eventType: null,
          verified: false,
          refusal: 'signature',
          secret: null,
        });
      }
      // Close the connection: its unread body is not worth receiving.
      return reply
        .code(refusal.status)
        .header('connection', 'close')
        .send(errorBody(refusal.status === 413 ? 'body_too_large' : 'invalid_signature', refusal.message));
    });

    // A body that breaks the limit while it streams in (no content-length), or another content type.
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) return reply.send(err);
      const error = status === 413 ? 'body_too_large' : 'malformed_body';
      refused(error, { detail: err.message, webhookId: req.headers['webhook-id'] });
      return reply.code(status).send(errorBody(error, err.message));
    });

    // The signature covers the exact bytes, so the body stays a string until verified.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) =>
      done(null, body),
    );

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const receivedAt = clock.now();
      const raw = typeof req.body === 'string' ? req.body : '';
      const nowMs = clock.epochMs();
      let verdict = verifyWebhook(raw, req.headers, deps.webhookSecret, nowMs);
      let secret: 'current' | 'previous' = 'current';
      const previous = !verdict.ok && verdict.reason === 'signature' ? deps.previousWebhookSecret?.() : null;
      if (previous) {
        // Only a signature the current secret refused pays for the second check.
        const second = verifyWebhook(raw, req.headers, previous, nowMs);
        if (second.ok || second.reason === 'body') {
          verdict = second;
          secret = 'previous';
        }
      }
      const headerId = req.headers['webhook-id'];
      deps.onDelivery?.({
        webhookId: typeof headerId === 'string' ? headerId : null,
        eventType: verdict.ok && isEvent(verdict.event) && typeof verdict.event.type === 'string' ? verdict.event.type : null,
        verified: verdict.ok,
        refusal: verdict.ok ? null : verdict.reason,
        secret: verdict.ok || verdict.reason === 'body' ? secret : null,
      });
      if (!verdict.ok) {
        refused(verdict.reason, { detail: verdict.message, webhookId: req.headers['webhook-id'] });
        return reply.code(400).send(errorBody(verdict.reason === 'signature' ? 'invalid_signature' : 'malformed_body', verdict.message));
      }
      if (!isEvent(verdict.event)) {
        // Signed, valid JSON, and still not an event (null, an array, a number).
        refused('body', { detail: 'not a JSON object', webhookId: req.headers['webhook-id'] });
        return reply.code(400).send(errorBody('malformed_body', 'the body must be a JSON object (an event)'));
      }
      // Either surface's call webhook, on either path: a project may send both for one call.
      if (typeof verdict.event.type !== 'string' || !callEventTypes.has(verdict.event.type)) {
        deps.log.debug({ eventType: verdict.event.type }, 'webhook event ignored');
        return reply.code(200).send({ status: 'ignored' });
      }
      const parsed = incomingCallSchema.safeParse(verdict.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') ?? '';
        return reply.code(400).send(errorBody('malformed_body', `${field}: ${issue?.message ?? 'invalid'}`, { field }));
      }
      if (deps.isDraining()) {
        // 503 makes OpenAI retry the delivery, by then at another instance.
        return reply.code(503).header('retry-after', '1').send(errorBody('draining'));
      }
      // Checked above: one of the two call events (the SDK's own types).
      const event = verdict.event as IncomingCallEvent;
      const { callId } = incomingCall(event);
      const webhookId = String(req.headers['webhook-id']);
      if (deps.isLive(callId)) return send(reply, { kind: 'accepted', callId });
      const { answer, duplicate } = deps.dedupe.run([`call:${callId}`, `wh:${webhookId}`], () => deps.answerCall(event, receivedAt));
      if (duplicate) deps.log.info({ callId, webhookId }, 'duplicate webhook delivery');
      return send(reply, await answer);
    };
    scope.post(webhookPath, handler);
    scope.post(liveWebhookPath, handler);
  });
}
