// POST /v1/realtime/calls/{call_id}/accept|reject|refer|hangup, answered like OpenAI's call-control API.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../time/clock.ts';
import { checkBearer } from './auth.ts';
import type { ReferRequest, RestRequest } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { type ApiFailure, apiFailure, callNotFound, invalidJson, invalidUrl, modelNotFound, serviceFault } from './errors.ts';
import { newRequestId } from './ids.ts';
import type { EmulatorLogger } from './logger.ts';
import { emulatedModels, findModel } from './models.ts';
import { expectInteger, expectObject, expectString, fail, rejectUnknownKeys, requireKey, runChecks } from './param-checks.ts';
import { bandwidthReferProblem } from './refer-target.ts';
import { type ActionFault, actionFault } from './scenario.ts';
import { acceptedSession, describeSession } from './session.ts';
import { validateAccept } from './validate-accept.ts';

export interface RestRoutesDeps {
  apiKey: string;
  calls: ReadonlyMap<string, LiveCall>;
  clock: Clock;
  logger: EmulatorLogger;
  /** How long after a successful refer the carrier takes the call. */
  referCompleteMs?: number;
  /** Aborted when the emulator closes: requests held by a `never` fault are let go then. */
  signal?: AbortSignal;
  /** GPT-Live SIP enabled for the project (default true): without it Live accepts are refused. */
  liveSip?: boolean;
}

type Action = 'accept' | 'reject' | 'refer' | 'hangup';
const actions: readonly Action[] = ['accept', 'reject', 'refer', 'hangup'];
const listFor = { accept: 'accepts', reject: 'rejects', refer: 'refers', hangup: 'hangups' } as const;

export interface ParsedBody {
  value: unknown;
  malformed: boolean;
}

export function parseBody(raw: unknown): ParsedBody {
  if (typeof raw !== 'string' || raw.trim() === '') return { value: undefined, malformed: false };
  try {
    return { value: JSON.parse(raw), malformed: false };
  } catch {
    return { value: raw, malformed: true };
  }
}

export function send(reply: FastifyReply, status: number, failure?: ApiFailure): FastifyReply {
  reply.header('x-request-id', newRequestId()).header('openai-processing-ms', '12');
  if (failure) return reply.code(failure.status).type('application/json').send(JSON.stringify(failure.body));
  return reply.code(status).send();
}

export function registerRestRoutes(app: FastifyInstance, deps: RestRoutesDeps): void {
  // Bodies stay raw text: malformed JSON must get OpenAI's 400, and accept records the body as received.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setNotFoundHandler((req, reply) => {
    const failure = invalidUrl(req.method, req.url);
    void reply.code(failure.status).type('application/json').send(JSON.stringify(failure.body));
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const failure = status >= 500 ? serviceFault(500) : apiFailure(status, err.message);
    void reply.code(failure.status).type('application/json').send(JSON.stringify(failure.body));
  });

  // The model list: clients call it to check their key and warm their connection.
  app.get('/v1/models', async (req, reply) => {
    const unauthorized = checkBearer(req.headers.authorization, deps.apiKey);
    if (unauthorized) return send(reply, unauthorized.status, unauthorized);
    reply.header('x-request-id', newRequestId());
    return reply.code(200).send({ object: 'list', data: emulatedModels });
  });
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (req, reply) => {
    const unauthorized = checkBearer(req.headers.authorization, deps.apiKey);
    if (unauthorized) return send(reply, unauthorized.status, unauthorized);
    const model = findModel(req.params.model);
    if (!model) return send(reply, 404, modelNotFound(req.params.model));
    reply.header('x-request-id', newRequestId());
    return reply.code(200).send(model);
  });

  for (const action of actions) {
    app.post<{ Params: { callId: string } }>(`/v1/realtime/calls/:callId/${action}`, (req, reply) => handle(deps, action, req, reply));
  }
}

async function handle(
  deps: RestRoutesDeps,
  action: Action,
  req: FastifyRequest<{ Params: { callId: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { callId } = req.params;
  // The map holds both ids of a call; this API answers to the rtc_… one only.
  const found = deps.calls.get(callId);
  const call = found?.id === callId ? found : undefined;
  const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
  const body = parseBody(req.body);
  const entry: ReferRequest = { surface: 'realtime', receivedAt: deps.clock.now(), body: body.value };
  if (call) {
    if (action === 'refer' && isRecord(body.value) && typeof body.value.target_uri === 'string') entry.targetUri = body.value.target_uri;
    call.record[listFor[action]].push(entry);
  }
  const answer = (failure?: ApiFailure): FastifyReply => {
    entry.status = failure?.status ?? 200;
    entry.answeredAt = deps.clock.now();
    if (failure) {
      const { code, message, param } = failure.body.error;
      entry.error = { code, message, param };
    }
    if (call) {
      const detail = failure
        ? ` → ${failure.status} ${failure.body.error.code ?? failure.body.error.type}${failure.body.error.param ? ` (${failure.body.error.param})` : ''}`
        : '';
      if (failure) call.note(action, `${action}${detail}`, entry.receivedAt);
      call.changed();
    }
    deps.logger.info({ callId, action, status: entry.status, code: failure?.body.error.code ?? null }, 'call-control request');
    return send(reply, 200, failure);
  };

  if (authFailure) return answer(authFailure);
  if (!call) return answer(callNotFound(callId));
  return underFaults(deps, call, action, entry, reply, answer, (fault) => {
    if (body.malformed) return invalidJson();
    switch (action) {
      case 'accept':
        return accept(call, entry, fault);
      case 'reject':
        return reject(call, entry, fault, body.value);
      case 'refer':
        return refer(deps, call, entry, fault, body.value);
      case 'hangup':
        return hangup(call, entry, fault, body.value);
    }
  });
}

/** One call-control request under the scenario's faults for its action (delay, never, a late answer), on either surface. */
export async function underFaults(
  deps: RestRoutesDeps,
  call: LiveCall,
  action: Action,
  entry: RestRequest,
  reply: FastifyReply,
  answer: (failure?: ApiFailure) => FastifyReply,
  act: (fault: ActionFault) => ApiFailure | undefined,
): Promise<FastifyReply> {
  const fault = actionFault(call.scenario.faults, action);
  const delayMs = call.scenario.faults.serviceDelayMs + fault.delayMs;
  if (fault.never) {
    // The request hangs: nothing happens and no answer comes, until the emulator closes.
    call.note(action, `${action} held: no answer (fault)`, entry.receivedAt);
    await holdUntilClosed(deps.signal);
    return reply;
  }
  if (delayMs > 0) await sleep(delayMs);
  const failure = act(fault);
  if (fault.answerAfterMs > 0) {
    // It took effect already; only the answer is late (a client deadline may give up first).
    call.note(action, `${action} answer held ${fault.answerAfterMs} ms (fault)`);
    await sleep(fault.answerAfterMs);
  }
  return answer(failure);
}

function holdUntilClosed(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** The injected status for this request, if any: the nth of `statuses`, else `status`. */
export function injectedStatus(fault: ActionFault, list: readonly RestRequest[], entry: RestRequest): number | undefined {
  return fault.statuses[attemptIndex(list, entry)] ?? fault.status;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refused on one surface's id once the other surface serves the call (the code is our guess: unverified). */
export function otherSurface(call: LiveCall, wanted: 'realtime' | 'live'): ApiFailure | undefined {
  const surface = call.record.surface;
  if (surface === undefined || surface === wanted) return undefined;
  const id = wanted === 'realtime' ? call.id : call.record.liveSessionId;
  const api = surface === 'live' ? 'Live' : 'Realtime';
  return apiFailure(400, `'${id}' was accepted through the ${api} API; control the call there.`, { code: 'call_surface_mismatch' });
}

/** An accept on a call that is no longer pending: it ended, or one of its surfaces accepted it first. */
export function notPending(call: LiveCall, id: string): ApiFailure {
  const { record } = call;
  const how =
    record.state === 'ended'
      ? 'has ended'
      : `was already accepted${record.surface === 'live' ? ' through the Live API' : record.surface === 'realtime' ? ' through the Realtime API' : ''}`;
  return apiFailure(400, `Call '${id}' is not pending: it ${how}.`, { code: 'call_not_pending' });
}

/** Index among this call's authorised requests of one kind (fault lists count these). */
export function attemptIndex(list: readonly RestRequest[], entry: RestRequest): number {
  return list.filter((r) => r.status !== 401).indexOf(entry);
}

function accept(call: LiveCall, entry: RestRequest, faults: ActionFault): ApiFailure | undefined {
  const { record } = call;
  const fault = injectedStatus(faults, record.accepts, entry);
  if (record.state === 'pending' && fault !== undefined) {
    if (fault === 404) {
      call.end('caller');
      return callNotFound(call.id);
    }
    return serviceFault(fault);
  }
  if (record.state !== 'pending') return notPending(call, call.id);
  const checked = validateAccept(entry.body ?? {});
  if (!checked.ok) return checked.failure;
  record.session = acceptedSession(checked.value.params);
  record.state = 'accepted';
  record.surface = 'realtime';
  const firstWebhook = record.webhooks[0];
  if (record.answerMs === undefined && firstWebhook) record.answerMs = entry.receivedAt - firstWebhook.sentAt;
  call.note('accept', describeSession(record.session), entry.receivedAt);
  for (const warning of checked.value.warnings) call.issue(warning);
  call.setTimer(() => call.end('timeout'), call.scenario.maxDurationMs);
  return undefined;
}

function reject(call: LiveCall, entry: RestRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  const checked = runChecks(() => {
    if (body === undefined) return 603;
    const obj = expectObject(body, 'body');
    rejectUnknownKeys(obj, new Set(['status_code']), '');
    return obj.status_code === undefined ? 603 : expectInteger(obj.status_code, 'status_code', { min: 400, max: 699 });
  });
  if (!checked.ok) return checked.failure;
  if (call.record.state === 'ended') return callNotFound(call.id);
  if (call.record.state !== 'pending') {
    return apiFailure(400, `Call '${call.id}' was already accepted; use hangup to end it.`, { code: 'call_not_pending' });
  }
  const injected = injectedStatus(faults, call.record.rejects, entry);
  if (injected !== undefined) return serviceFault(injected);
  call.note('reject', `reject ${checked.value}`);
  call.end('reject');
  return undefined;
}

function refer(deps: RestRoutesDeps, call: LiveCall, entry: ReferRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  const { record } = call;
  if (record.state === 'ended') return callNotFound(call.id);
  const mismatch = otherSurface(call, 'realtime');
  if (mismatch) return mismatch;
  const checked = runChecks(() => {
    const obj = expectObject(body ?? {}, 'body');
    rejectUnknownKeys(obj, new Set(['target_uri']), '');
    const target = expectString(requireKey(obj, 'target_uri', ''), 'target_uri');
    if (!/^(sips?|tel):\S+$/i.test(target)) {
      fail(
        apiFailure(400, `Invalid 'target_uri': expected a 'sip:', 'sips:' or 'tel:' URI, but got '${target}'.`, {
          param: 'target_uri',
          code: 'invalid_value',
        }),
      );
    }
    return target;
  });
  if (!checked.ok) return checked.failure;
  return startTransfer(call, call.id, entry, faults, checked.value, deps.referCompleteMs ?? 100);
}

/** The carrier's side of a REFER, the same on both surfaces. */
export function startTransfer(
  call: LiveCall,
  id: string,
  entry: ReferRequest,
  faults: ActionFault,
  target: string,
  completeMs: number,
): ApiFailure | undefined {
  const { record } = call;
  if (record.state === 'pending') {
    return apiFailure(400, `Call '${id}' has not been accepted yet; only an active call can be transferred.`, {
      code: 'call_not_accepted',
    });
  }
  if (call.transferring) {
    return apiFailure(400, `Call '${id}' is already being transferred.`, { code: 'call_transfer_in_progress' });
  }
  const fault = injectedStatus(faults, record.refers, entry);
  if (fault !== undefined) return serviceFault(fault);
  if (call.scenario.carrier === 'bandwidth') {
    const problem = bandwidthReferProblem(target, record.sipHeaders);
    if (problem) {
      call.issue(`carrier declined the REFER: ${problem}`);
      return apiFailure(400, `The transfer failed: the carrier declined the REFER (SIP 403 Forbidden): ${problem}.`, {
        param: 'target_uri',
        code: 'refer_failed',
      });
    }
  }
  call.transferring = true;
  call.note('refer', `refer → ${target}`, entry.receivedAt);
  call.setTimer(() => call.end('refer'), completeMs);
  return undefined;
}

function hangup(call: LiveCall, entry: RestRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  if (body !== undefined) {
    const checked = runChecks(() => rejectUnknownKeys(expectObject(body, 'body'), new Set(), ''));
    if (!checked.ok) return checked.failure;
  }
  if (call.record.state === 'ended') return callNotFound(call.id);
  const mismatch = otherSurface(call, 'realtime');
  if (mismatch) return mismatch;
  const injected = injectedStatus(faults, call.record.hangups, entry);
  if (injected !== undefined) return serviceFault(injected);
  call.note('hangup', 'hangup');
  call.end('hangup');
  return undefined;
}
