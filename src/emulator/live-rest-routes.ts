// POST /v1/live/sessions/{session_id}/accept|reject|refer|hangup and GET …/content, answered like
// OpenAI's GPT-Live session API for SIP calls.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBearer } from './auth.ts';
import type { ReferRequest, RestRequest } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { apiFailure, invalidJson, serviceFault, type ApiFailure } from './errors.ts';
import { newRequestId } from './ids.ts';
import { liveSessionResource, describeLiveSession } from './live-session.ts';
import { expectInteger, expectObject, expectString, fail, rejectUnknownKeys, requireKey, runChecks } from './param-checks.ts';
import { recordingWav } from './recording-wav.ts';
import {
  attemptIndex,
  injectedStatus,
  isRecord,
  notPending,
  otherSurface,
  parseBody,
  send,
  startTransfer,
  underFaults,
  type RestRoutesDeps,
} from './rest-routes.ts';
import type { ActionFault } from './scenario.ts';
import { validateLiveAccept } from './validate-live-accept.ts';

type Action = 'accept' | 'reject' | 'refer' | 'hangup';
const actions: readonly Action[] = ['accept', 'reject', 'refer', 'hangup'];
const listFor = { accept: 'accepts', reject: 'rejects', refer: 'refers', hangup: 'hangups' } as const;

/** The error for an id that names no Live session (the code is our guess: unverified). */
export function sessionNotFound(sessionId: string): ApiFailure {
  return apiFailure(404, `Session '${sessionId}' not found.`, { param: 'session_id', code: 'session_not_found' });
}

type SessionRequest = FastifyRequest<{ Params: { sessionId: string } }>;

/** The call this live_… id belongs to (the map holds both ids of a call). */
function findCall(deps: RestRoutesDeps, sessionId: string): LiveCall | undefined {
  const call = deps.calls.get(sessionId);
  return call?.record.liveSessionId === sessionId ? call : undefined;
}

export function registerLiveRestRoutes(app: FastifyInstance, deps: RestRoutesDeps): void {
  for (const action of actions) {
    app.post<{ Params: { sessionId: string } }>(`/v1/live/sessions/:sessionId/${action}`, (req, reply) => handle(deps, action, req, reply));
  }
  app.get<{ Params: { sessionId: string } }>('/v1/live/sessions/:sessionId/content', (req, reply) => download(deps, req, reply));
}

async function handle(deps: RestRoutesDeps, action: Action, req: SessionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { sessionId } = req.params;
  const call = findCall(deps, sessionId);
  const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
  const body = parseBody(req.body);
  const entry: ReferRequest = { surface: 'live', receivedAt: deps.clock.now(), body: body.value };
  if (call) {
    if (action === 'refer' && isRecord(body.value) && typeof body.value.target_uri === 'string') entry.targetUri = body.value.target_uri;
    call.record[listFor[action]].push(entry);
  }
  const answer = (failure?: ApiFailure): FastifyReply => finishEntry(deps, call, entry, `live ${action}`, sessionId, reply, failure);

  if (authFailure) return answer(authFailure);
  if (!call) return answer(sessionNotFound(sessionId));
  // The same faults as the Realtime endpoints: a scenario plays on either surface.
  return underFaults(deps, call, action, entry, reply, answer, (fault) => {
    if (body.malformed) return invalidJson();
    switch (action) {
      case 'accept':
        return accept(deps, call, entry, fault);
      case 'reject':
        return reject(call, entry, fault, body.value);
      case 'refer':
        return refer(deps, call, entry, fault, body.value);
      case 'hangup':
        return hangup(call, entry, fault, body.value);
    }
  });
}

function finishEntry(
  deps: RestRoutesDeps,
  call: LiveCall | undefined,
  entry: RestRequest,
  label: string,
  sessionId: string,
  reply: FastifyReply,
  failure: ApiFailure | undefined,
): FastifyReply {
  entry.status = failure?.status ?? 200;
  entry.answeredAt = deps.clock.now();
  if (failure) {
    const { code, message, param } = failure.body.error;
    entry.error = { code, message, param };
    call?.note(label.replace(' ', '-'), `${label} → ${failure.status} ${failure.body.error.code ?? failure.body.error.type}${failure.body.error.param ? ` (${failure.body.error.param})` : ''}`, entry.receivedAt);
  }
  call?.changed();
  deps.logger.info({ callId: call?.id ?? null, sessionId, action: label, status: entry.status, code: failure?.body.error.code ?? null }, 'call-control request');
  return send(reply, 200, failure);
}

function accept(deps: RestRoutesDeps, call: LiveCall, entry: RestRequest, faults: ActionFault): ApiFailure | undefined {
  const { record } = call;
  const fault = injectedStatus(faults, record.accepts, entry);
  if (record.state === 'pending' && fault !== undefined) {
    if (fault === 404) {
      call.end('caller');
      return sessionNotFound(record.liveSessionId);
    }
    return serviceFault(fault);
  }
  if (record.state !== 'pending') return notPending(call, record.liveSessionId);
  if (deps.liveSip === false) {
    return apiFailure(403, 'GPT-Live SIP is not enabled for this project.', { type: 'permission_error', code: 'live_sip_not_enabled' });
  }
  const checked = validateLiveAccept(entry.body ?? {});
  if (!checked.ok) return checked.failure;
  // GPT-Live SIP needs SRTP media (the error's wording is ours: unverified).
  if (call.scenario.sipMediaSecurity !== 'srtp') {
    return apiFailure(400, `GPT-Live requires SRTP media; this call negotiated '${call.scenario.sipMediaSecurity}'.`, { code: 'unsupported_media_security' });
  }
  record.liveSession = liveSessionResource(record.liveSessionId, checked.value.session, Math.floor(deps.clock.epochMs() / 1000));
  record.state = 'accepted';
  record.surface = 'live';
  call.live.startedAt = entry.receivedAt;
  const firstWebhook = record.webhooks[0];
  if (record.answerMs === undefined && firstWebhook) record.answerMs = entry.receivedAt - firstWebhook.sentAt;
  call.note('accept', describeLiveSession(record.liveSession), entry.receivedAt);
  call.setTimer(() => call.end('timeout'), call.scenario.maxDurationMs);
  return undefined;
}

function reject(call: LiveCall, entry: RestRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  const checked = runChecks(() => {
    const obj = expectObject(body ?? {}, 'body');
    rejectUnknownKeys(obj, new Set(['status_code']), '');
    // Unlike Realtime's (default 603), Live's reject requires the status.
    return expectInteger(requireKey(obj, 'status_code', ''), 'status_code', { min: 300, max: 699 });
  });
  if (!checked.ok) return checked.failure;
  if (call.record.state === 'ended') return sessionNotFound(call.record.liveSessionId);
  if (call.record.state !== 'pending') {
    return apiFailure(400, `Session '${call.record.liveSessionId}' was already accepted; use hangup to end it.`, { code: 'call_not_pending' });
  }
  const injected = injectedStatus(faults, call.record.rejects, entry);
  if (injected !== undefined) return serviceFault(injected);
  call.note('reject', `live reject ${checked.value}`);
  call.end('reject');
  return undefined;
}

function refer(deps: RestRoutesDeps, call: LiveCall, entry: ReferRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  const { record } = call;
  if (record.state === 'ended') return sessionNotFound(record.liveSessionId);
  const mismatch = otherSurface(call, 'live');
  if (mismatch) return mismatch;
  const checked = runChecks(() => {
    const obj = expectObject(body ?? {}, 'body');
    rejectUnknownKeys(obj, new Set(['target_uri']), '');
    const target = expectString(requireKey(obj, 'target_uri', ''), 'target_uri');
    if (!target.trim()) fail(apiFailure(400, "Invalid 'target_uri': expected a nonblank URI.", { param: 'target_uri', code: 'invalid_value' }));
    if (!/^(sips?|tel):\S+$/i.test(target)) {
      fail(apiFailure(400, `Invalid 'target_uri': expected a 'sip:', 'sips:' or 'tel:' URI, but got '${target}'.`, { param: 'target_uri', code: 'invalid_value' }));
    }
    return target;
  });
  if (!checked.ok) return checked.failure;
  return startTransfer(call, record.liveSessionId, entry, faults, checked.value, deps.referCompleteMs ?? 100);
}

function hangup(call: LiveCall, entry: RestRequest, faults: ActionFault, body: unknown): ApiFailure | undefined {
  if (body !== undefined) {
    const checked = runChecks(() => rejectUnknownKeys(expectObject(body, 'body'), new Set(), ''));
    if (!checked.ok) return checked.failure;
  }
  if (call.record.state === 'ended') return sessionNotFound(call.record.liveSessionId);
  if (call.record.state === 'pending') {
    return apiFailure(400, `Session '${call.record.liveSessionId}' has not been accepted yet; use reject.`, { code: 'call_not_accepted' });
  }
  const mismatch = otherSurface(call, 'live');
  if (mismatch) return mismatch;
  const injected = injectedStatus(faults, call.record.hangups, entry);
  if (injected !== undefined) return serviceFault(injected);
  call.note('hangup', 'live hangup');
  call.end('hangup');
  return undefined;
}

/**
 * The stored session's audio: a stereo WAV, caller left, agent right. Only for a session accepted
 * with store: true, once it has closed (the status and code before that are our guess: unverified).
 */
async function download(deps: RestRoutesDeps, req: SessionRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { sessionId } = req.params;
  const call = findCall(deps, sessionId);
  const entry: RestRequest = { surface: 'live', receivedAt: deps.clock.now(), body: undefined };
  call?.record.recordingDownloads.push(entry);
  const failure = ((): ApiFailure | undefined => {
    const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
    if (authFailure) return authFailure;
    if (call?.record.surface !== 'live' || !call.record.liveSession) return sessionNotFound(sessionId);
    const fault = call.scenario.faults.recordingStatuses[attemptIndex(call.record.recordingDownloads, entry)];
    if (fault !== undefined) return serviceFault(fault);
    if (!call.record.liveSession.store) {
      return apiFailure(404, `Session '${sessionId}' was not stored: accept with store: true to keep its content.`, { code: 'session_not_stored' });
    }
    if (call.record.state !== 'ended') {
      return apiFailure(409, `Session '${sessionId}' is still active; its content is available after it closes.`, { code: 'session_active' });
    }
    return undefined;
  })();
  entry.status = failure?.status ?? 200;
  entry.answeredAt = deps.clock.now();
  if (failure) {
    const { code, message, param } = failure.body.error;
    entry.error = { code, message, param };
    call?.note('content', `recording → ${failure.status} ${code ?? failure.body.error.type}`, entry.receivedAt);
    deps.logger.info({ sessionId, status: entry.status, code }, 'recording download');
    return send(reply, 200, failure);
  }
  // Checked above: the call exists, ended, and was stored.
  const wav = recordingWav(call!.record);
  call!.note('content', `recording downloaded (${wav.length} bytes)`, entry.receivedAt);
  call!.changed();
  deps.logger.info({ sessionId, status: 200, bytes: wav.length }, 'recording download');
  reply.header('x-request-id', newRequestId());
  return reply.code(200).type('audio/wav').header('content-length', String(wav.length)).send(wav);
}
