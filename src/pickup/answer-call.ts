import type { CallEventListener } from '../calls/call-events.ts';
import type { LiveCalls } from '../calls/live-calls.ts';
import { callKeys } from '../cluster/call-keys.ts';
import type { ClaimDecision } from '../cluster/claim-before-accept.ts';
import type { CallKeys } from '../cluster/coordination.ts';
import { isSwitchboardError } from '../errors.ts';
import { type IncomingCallEvent, incomingCall } from '../inbound/incoming-call.ts';
import type { Logger } from '../log/logger.ts';
import { redactPhone } from '../log/redact.ts';
import type { CallControl, CallRest, LiveCallControl } from '../openai/call-control.ts';
import type { Surface } from '../openai/surface.ts';
import { type AgentPlan, agentSurface, type PlanCall } from '../routing/call-plan.ts';
import { CallSession } from '../session/call-session.ts';
import type { ControlTransport } from '../session/control-transport.ts';
import { type CallParties, parseCallParties } from '../sip/index.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import { type AcceptOutcome, acceptWithRetry } from './accept-call.ts';
import type { AnswerFirst } from './answer-first.ts';

/** What a call's session is made of, besides its agent. */
export interface SessionDeps {
  /** Realtime: accept, reject, refer, hangup and the control socket. */
  control: CallControl;
  transport: ControlTransport;
  /** GPT-Live: the same on live_… sessions, with the sideband. */
  live: { control: LiveCallControl; transport: ControlTransport };
  log: Logger;
  reconnectMaxAttempts: number;
  logPii: boolean;
  logTranscripts?: boolean;
  onEvent?: CallEventListener;
  clock?: Clock;
  /** Tool call ids are claimed across instances before a tool runs. */
  claimToolCall?: (callId: string, toolCallId: string) => Promise<boolean>;
}

/** The claim in the database that makes one delivery, on one instance, accept each call. */
export interface CallClaims {
  claim(keys: CallKeys): Promise<ClaimDecision>;
  /** The accept succeeded; false: the claim went to another instance meanwhile, and this one let go of the call. */
  accepted(callId: string, epoch: number): Promise<boolean>;
  /** The accept failed: OpenAI's retry may claim the call again, anywhere. */
  notAccepted(callId: string, epoch: number): Promise<void>;
  /** Settled here without a live call (rejected, gone) or ended. */
  finish(callId: string, epoch?: number): Promise<void>;
}

export interface AnswerCallDeps extends SessionDeps {
  liveCalls: LiveCalls<CallSession>;
  /**
   * Decides accept or reject from memory: nothing slow runs before the accept. It runs before the
   * claim, so a webhook of the other surface is answered without claiming anything and the claim
   * always goes to the agent's own webhook, whichever arrives first.
   */
  planCall: PlanCall;
  acceptDeadlineMs: number;
  /** Claims before accepting (one database round trip); absent: only this process's de-duplication holds. */
  claims?: CallClaims;
  /** Holds control-socket set-ups while webhooks are being answered; absent: each starts on the next turn. */
  answerFirst?: AnswerFirst;
}

/** How answering a call came out. Only the webhook route turns this into an HTTP status. */
export type AnswerOutcome =
  | { kind: 'accepted'; callId: string }
  | { kind: 'rejected'; callId: string; statusCode: number; reason: string }
  /** The caller hung up while it rang (the accept got 404): nothing to start. */
  | { kind: 'gone'; callId: string }
  /** The accept failed after its retries: OpenAI should deliver the webhook again. */
  | { kind: 'failed'; callId: string; message: string }
  /** Another delivery of this call (here or at another instance, either surface's webhook) has it: answered without accepting. */
  | { kind: 'taken'; callId: string; owner: string; state: 'accepted' | 'ended' }
  /** Cannot decide now (the database does not answer, another instance's accept is under way): OpenAI should retry. */
  | { kind: 'retry'; callId: string; why: 'claimed_elsewhere' | 'coordination_unavailable' }
  /** The call's agent runs on the other surface: this webhook is acknowledged, never accepted. */
  | { kind: 'other_surface'; callId: string; surface: Surface };

export type AnswerCall = (event: IncomingCallEvent, receivedAt: number) => Promise<AnswerOutcome>;

/** The REST control of the surface an agent runs on (what its session and tools use). */
export const controlFor = (deps: Pick<SessionDeps, 'control' | 'live'>, surface: Surface): CallRest =>
  surface === 'live' ? deps.live.control : deps.control;

/** The control session of one call running one agent, on the agent's surface: a new call, or one taken back after a restart. */
export function newCallSession(deps: SessionDeps, agent: AgentPlan, callId: string, parties: CallParties): CallSession {
  const surface = agentSurface(agent);
  const claimToolCall = deps.claimToolCall;
  return new CallSession({
    callId,
    parties,
    greeting: agent.greeting,
    tools: agent.tools,
    transfers: agent.transfers,
    transport: surface === 'live' ? deps.live.transport : deps.transport,
    control: controlFor(deps, surface),
    log: deps.log,
    logPii: deps.logPii,
    logTranscripts: deps.logTranscripts ?? false,
    reconnectMaxAttempts: deps.reconnectMaxAttempts,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(agent.extensions ? { extensions: agent.extensions } : {}),
    ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
    ...(claimToolCall ? { claimToolCall: (toolCallId: string) => claimToolCall(callId, toolCallId) } : {}),
  });
}

/** Plan → accept → control session. Settles only once the accept has succeeded (or cannot). */
export function createAnswerCall(deps: AnswerCallDeps): AnswerCall {
  const clock = deps.clock ?? systemClock;
  const claims = deps.claims;
  const otherSurface = (callId: string, surface: Surface, agentSurface: Surface, profile?: string): AnswerOutcome => {
    // The same SIP call's other webhook is (or will be) the one that gets the accept.
    deps.log.info(
      { callId, surface, agentSurface, ...(profile ? { profile } : {}) },
      'webhook for the other surface: acknowledged without an accept',
    );
    return { kind: 'other_surface', callId, surface: agentSurface };
  };
  return async (event, receivedAt) => {
    const answered = deps.answerFirst?.begin();
    try {
      return await answer(event, receivedAt, answered);
    } finally {
      answered?.();
    }
  };

  async function answer(event: IncomingCallEvent, receivedAt: number, answered?: () => void): Promise<AnswerOutcome> {
    const incoming = incomingCall(event);
    const { surface, callId, sipHeaders } = incoming;
    const parties = parseCallParties(sipHeaders);
    // Before the claim: a webhook of the other surface must not take the call from its agent's.
    const plan = deps.planCall({ ...incoming, parties });
    if (plan.kind === 'other_surface') return otherSurface(callId, surface, plan.surface, plan.profile);
    // Then the claim: of every delivery of this call, either surface's, on every instance, one goes on from here.
    let epoch: number | undefined; // undefined: no claim (none kept, or the database was unreachable)
    if (claims) {
      const decision = await claims.claim(callKeys(callId, sipHeaders));
      if (decision.kind === 'taken') return { kind: 'taken', callId, owner: decision.owner, state: decision.state };
      if (decision.kind === 'retry') return { kind: 'retry', callId, why: decision.why };
      epoch = decision.epoch ?? undefined;
    }
    const reject = async (statusCode: number, reason: string): Promise<AnswerOutcome> => {
      deps.log.info({ callId, surface, statusCode, reason, caller: redactPhone(parties.caller, deps.logPii) }, 'call rejected');
      try {
        await controlFor(deps, surface).reject(callId, statusCode);
      } catch (err) {
        deps.log.warn({ callId, err: (err as Error).message }, 'reject request failed');
      }
      deps.onEvent?.({ type: 'call.rejected', callId, parties, sipHeaders, statusCode, reason });
      if (epoch !== undefined) void claims?.finish(callId, epoch);
      return { kind: 'rejected', callId, statusCode, reason };
    };
    if (plan.kind === 'reject') return reject(plan.statusCode, plan.reason);
    // Only the delivery that goes on takes a slot under the caps.
    const slot = plan.reserve();
    if (!slot.ok) return reject(slot.statusCode, slot.reason);
    const agent = plan.agent;
    const announce = (session: CallSession, attempts: number, late: boolean) => {
      const acceptedAt = clock.now();
      const answerMs = acceptedAt - receivedAt;
      deps.log.info(
        {
          callId,
          surface,
          profile: agent.profile,
          caller: redactPhone(parties.caller, deps.logPii),
          dialed: redactPhone(parties.dialed, deps.logPii),
          answerMs,
          attempts,
          ...(late ? { late } : {}),
        },
        'call accepted',
      );
      deps.liveCalls.add(session);
      // The models the call is priced by: on GPT-Live the voice model (billed by the minute), no transcription model.
      const priced = agent.live
        ? { model: agent.live.acceptParams.session.model, transcriptionModel: null }
        : {
            ...(agent.acceptParams.model ? { model: agent.acceptParams.model } : {}),
            transcriptionModel: agent.acceptParams.audio?.input?.transcription?.model ?? null,
          };
      session.emit({
        type: 'call.accepted',
        callId,
        parties,
        sipHeaders,
        profile: agent.profile,
        surface,
        recording: agent.live?.recording ?? false,
        webhookReceivedAt: receivedAt,
        acceptedAt,
        answerMs,
        attempts,
        ...(late ? { late } : {}),
        ...priced,
      });
      if (claims && epoch !== undefined) {
        // Off the answer path: the 200 does not wait for this write. (Losing the claim meanwhile, to
        // an instance that took it while this one's lease had lapsed, lets go of the call here.)
        const held = epoch;
        void claims.accepted(callId, held);
        void session.ended.then((reason) => {
          if (reason !== 'handed_over') void claims.finish(callId, held);
        });
      }
    };
    const failed = async (message: string): Promise<AnswerOutcome> => {
      deps.onEvent?.({ type: 'call.failed', callId, parties, sipHeaders, message });
      if (claims && epoch !== undefined) await claims.notAccepted(callId, epoch);
      return { kind: 'failed', callId, message };
    };

    let outcome: AcceptOutcome | undefined;
    let uncertain = false;
    let attempts = 0;
    try {
      const opts = { deadlineMs: deps.acceptDeadlineMs, clock };
      answered?.(); // the accept request is on its way: set-ups may go
      outcome = agent.live
        ? await acceptWithRetry(deps.live.control, callId, agent.live.acceptParams, opts)
        : await acceptWithRetry(deps.control, callId, agent.acceptParams, opts);
    } catch (err) {
      const fields = isSwitchboardError(err) ? err.fields : {};
      const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : String(err);
      deps.log.error({ ...fields, callId, surface, err: cause }, 'accept failed');
      if (fields.uncertain !== true) return failed((err as Error).message);
      uncertain = true;
      attempts = typeof fields.attempts === 'number' ? fields.attempts : 0;
    }
    if (outcome?.kind === 'gone') {
      deps.log.info({ callId, attempts: outcome.attempts }, 'caller hung up before the accept');
      deps.onEvent?.({ type: 'call.missed', callId, parties, sipHeaders });
      if (epoch !== undefined) void claims?.finish(callId, epoch);
      return { kind: 'gone', callId };
    }
    if (uncertain || outcome?.kind === 'not_pending') {
      // Our accept may have landed after all (its answer came too late, or an earlier delivery's
      // did): the control socket (or sideband) tells. If it opens, the call is ours to control.
      const session = newCallSession(deps, agent, callId, parties);
      const attached = await session.attach(deps.acceptDeadlineMs);
      deps.log.info(
        {
          callId,
          why: uncertain ? 'accept_unanswered' : 'not_pending',
          attached: attached.ok,
          ...(attached.ok ? {} : { httpStatus: attached.httpStatus, timedOut: attached.timedOut }),
        },
        'tried the control socket of a call accepted late',
      );
      if (attached.ok) {
        announce(session, outcome?.attempts ?? attempts, true);
        session.begin({ greet: true });
        return { kind: 'accepted', callId };
      }
      if (attached.httpStatus === 404) {
        deps.onEvent?.({ type: 'call.missed', callId, parties, sipHeaders });
        if (epoch !== undefined) void claims?.finish(callId, epoch);
        return { kind: 'gone', callId };
      }
      return failed(
        uncertain
          ? 'accepting the call failed: no answer before the deadline'
          : 'accepting the call failed: not pending, and its control socket did not open',
      );
    }
    const session = newCallSession(deps, agent, callId, parties);
    announce(session, outcome?.attempts ?? 1, false);
    // Let the 200 leave first (OpenAI connects the call only after it), and other calls' accepts.
    if (deps.answerFirst) deps.answerFirst.defer(() => session.start());
    else setImmediate(() => session.start());
    return { kind: 'accepted', callId };
  }
}
