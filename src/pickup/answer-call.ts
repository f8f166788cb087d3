import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import type { CallEventListener } from '../calls/call-events.ts';
import type { LiveCalls } from '../calls/live-calls.ts';
import { isSwitchboardError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redactPhone } from '../log/redact.ts';
import type { CallControl } from '../openai/call-control.ts';
import { CallSession } from '../session/call-session.ts';
import type { ControlTransport } from '../session/control-transport.ts';
import { parseCallParties, type CallParties } from '../sip/index.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { acceptWithRetry } from './accept-call.ts';
import type { AgentPlan, PlanCall } from '../routing/call-plan.ts';

export interface AnswerCallDeps {
  control: CallControl;
  transport: ControlTransport;
  liveCalls: LiveCalls<CallSession>;
  log: Logger;
  /** Decides accept or reject from memory: nothing slow runs before the accept. */
  planCall: PlanCall;
  acceptDeadlineMs: number;
  reconnectMaxAttempts: number;
  logPii: boolean;
  logTranscripts?: boolean;
  onEvent?: CallEventListener;
  clock?: Clock;
}

/** How answering a call came out. Only the webhook route turns this into an HTTP status. */
export type AnswerOutcome =
  | { kind: 'accepted'; callId: string }
  | { kind: 'rejected'; callId: string; statusCode: number; reason: string }
  /** The caller hung up while it rang (the accept got 404): nothing to start. */
  | { kind: 'gone'; callId: string }
  /** The accept failed after its retries: OpenAI should deliver the webhook again. */
  | { kind: 'failed'; callId: string; message: string };

export type AnswerCall = (event: RealtimeCallIncomingWebhookEvent, receivedAt: number) => Promise<AnswerOutcome>;

/** The control session of one call running one agent: a new call, or one taken back after a restart. */
export function newCallSession(
  deps: Pick<AnswerCallDeps, 'transport' | 'control' | 'log' | 'logPii' | 'logTranscripts' | 'reconnectMaxAttempts' | 'onEvent' | 'clock'>,
  agent: AgentPlan,
  callId: string,
  parties: CallParties,
): CallSession {
  return new CallSession({
    callId,
    parties,
    greeting: agent.greeting,
    tools: agent.tools,
    transfers: agent.transfers,
    transport: deps.transport,
    control: deps.control,
    log: deps.log,
    logPii: deps.logPii,
    logTranscripts: deps.logTranscripts ?? false,
    reconnectMaxAttempts: deps.reconnectMaxAttempts,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(agent.extensions ? { extensions: agent.extensions } : {}),
    ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
  });
}

/** Plan → accept → control session. Settles only once the accept has succeeded (or cannot). */
export function createAnswerCall(deps: AnswerCallDeps): AnswerCall {
  const clock = deps.clock ?? systemClock;
  return async (event, receivedAt) => {
    const callId = event.data.call_id;
    const sipHeaders = event.data.sip_headers;
    const parties = parseCallParties(sipHeaders);
    const plan = deps.planCall(parties, event);
    if (plan.kind === 'reject') {
      deps.log.info({ callId, statusCode: plan.statusCode, reason: plan.reason, caller: redactPhone(parties.caller, deps.logPii) }, 'call rejected');
      try {
        await deps.control.reject(callId, plan.statusCode);
      } catch (err) {
        deps.log.warn({ callId, err: (err as Error).message }, 'reject request failed');
      }
      deps.onEvent?.({ type: 'call.rejected', callId, parties, sipHeaders, statusCode: plan.statusCode, reason: plan.reason });
      return { kind: 'rejected', callId, statusCode: plan.statusCode, reason: plan.reason };
    }
    const agent = plan.agent;
    const announce = (session: CallSession, attempts: number, late: boolean) => {
      const acceptedAt = clock.now();
      const answerMs = acceptedAt - receivedAt;
      deps.log.info(
        { callId, profile: agent.profile, caller: redactPhone(parties.caller, deps.logPii), dialed: redactPhone(parties.dialed, deps.logPii), answerMs, attempts, ...(late ? { late } : {}) },
        'call accepted',
      );
      deps.liveCalls.add(session);
      // The models the call is priced by.
      const priced = { ...(agent.acceptParams.model ? { model: agent.acceptParams.model } : {}), transcriptionModel: agent.acceptParams.audio?.input?.transcription?.model ?? null };
      session.emit({ type: 'call.accepted', callId, parties, sipHeaders, profile: agent.profile, webhookReceivedAt: receivedAt, acceptedAt, answerMs, attempts, ...(late ? { late } : {}), ...priced });
    };
    const failed = (message: string): AnswerOutcome => {
      deps.onEvent?.({ type: 'call.failed', callId, parties, sipHeaders, message });
      return { kind: 'failed', callId, message };
    };

    let outcome;
    let uncertain = false;
    let attempts = 0;
    try {
      outcome = await acceptWithRetry(deps.control, callId, agent.acceptParams, { deadlineMs: deps.acceptDeadlineMs, clock });
    } catch (err) {
      const fields = isSwitchboardError(err) ? err.fields : {};
      const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : String(err);
      deps.log.error({ ...fields, callId, err: cause }, 'accept failed');
      if (fields.uncertain !== true) return failed((err as Error).message);
      uncertain = true;
      attempts = typeof fields.attempts === 'number' ? fields.attempts : 0;
    }
    if (outcome?.kind === 'gone') {
      deps.log.info({ callId, attempts: outcome.attempts }, 'caller hung up before the accept');
      deps.onEvent?.({ type: 'call.missed', callId, parties, sipHeaders });
      return { kind: 'gone', callId };
    }
    if (uncertain || outcome?.kind === 'not_pending') {
      // Our accept may have landed after all (its answer came too late, or an earlier delivery's
      // did): the control socket tells. If it opens, the call is ours to control.
      const session = newCallSession(deps, agent, callId, parties);
      const attached = await session.attach(deps.acceptDeadlineMs);
      deps.log.info(
        { callId, why: uncertain ? 'accept_unanswered' : 'not_pending', attached: attached.ok, ...(attached.ok ? {} : { httpStatus: attached.httpStatus, timedOut: attached.timedOut }) },
        'tried the control socket of a call accepted late',
      );
      if (attached.ok) {
        announce(session, outcome?.attempts ?? attempts, true);
        session.begin({ greet: true });
        return { kind: 'accepted', callId };
      }
      if (attached.httpStatus === 404) {
        deps.onEvent?.({ type: 'call.missed', callId, parties, sipHeaders });
        return { kind: 'gone', callId };
      }
      return failed(uncertain ? 'accepting the call failed: no answer before the deadline' : 'accepting the call failed: not pending, and its control socket did not open');
    }
    const session = newCallSession(deps, agent, callId, parties);
    announce(session, outcome?.attempts ?? 1, false);
    // Let the 200 leave first: OpenAI connects the call only after it.
    setImmediate(() => session.start());
    return { kind: 'accepted', callId };
  };
}
