// An operator's command on a live call, as an HTTP answer: run here when the call is here,
// else relayed to the instance that holds it (several instances on one database).
import type { LiveCalls } from '../calls/live-calls.ts';
import type { CommandReply, OperatorCommand, RelayOutcome } from '../cluster/coordination.ts';
import { errorBody } from '../errors.ts';
import type { CallSession } from '../session/call-session.ts';

/** The cluster, as the operator API uses it. */
export interface ApiCluster {
  readonly instanceId: string;
  /** The instance that controls the call now; null when none does. */
  owner(callId: string): Promise<string | null>;
  relay(callId: string, command: OperatorCommand): Promise<RelayOutcome>;
}

const notLive = (id: string) => errorBody('not_live', `call ${id} is not live`);

/** Runs the command on a call held by this process; null when it holds no such live call. */
export async function runHere(liveCalls: LiveCalls<CallSession>, callId: string, command: OperatorCommand): Promise<CommandReply | null> {
  const call = liveCalls.get(callId);
  if (!call?.isLive) return null;
  switch (command.action) {
    case 'transfer': {
      const result = await call.transferTo(command.target);
      if (result.ok) return { status: 200, body: { callId, status: 'transferring', target: result.uri } };
      return { status: result.error === 'transfer_failed' ? 502 : 422, body: errorBody(result.error, result.detail) };
    }
    case 'hangup':
      await call.hangup('operator_hangup');
      return { status: 200, body: { callId, status: 'ended' } };
    case 'say':
      call.instruct(command.text);
      return { status: 202, body: { callId, status: 'instructed' } };
    case 'dtmf': {
      // GPT-Live only: e.g. to get through an IVR after a transfer.
      const sent = call.sendDtmf(command.digits);
      if (sent.ok) return { status: 202, body: { callId, status: 'sent', digits: command.digits } };
      if (sent.error === 'unsupported')
        return {
          status: 409,
          body: errorBody('dtmf_unsupported', `call ${callId} is on Realtime, which cannot send keypad tones; GPT-Live calls can`),
        };
      if (sent.error === 'not_connected') return { status: 503, body: errorBody('control_unavailable') };
      return {
        status: 400,
        body: errorBody('invalid_request', 'digits: expected 1 to 32 keypad keys: 0-9, *, #, A-D', { field: 'digits' }),
      };
    }
  }
}

/** Here, or at the owner; the answer says which went wrong when neither could run it. */
export async function steer(
  liveCalls: LiveCalls<CallSession>,
  cluster: ApiCluster | null,
  callId: string,
  command: OperatorCommand,
): Promise<CommandReply> {
  const here = await runHere(liveCalls, callId, command);
  if (here) return here;
  if (!cluster) return { status: 404, body: notLive(callId) };
  const outcome = await cluster.relay(callId, command);
  switch (outcome.kind) {
    case 'reply':
      return outcome.reply;
    case 'timeout':
      return { status: 504, body: errorBody('relay_timeout', undefined, { callId, owner: outcome.owner }) };
    case 'no_owner': {
      const claim = outcome.claim;
      // Its instance died or is leaving: another one takes it over within seconds.
      if (claim && claim.state !== 'ended' && (!claim.ownerAlive || claim.state === 'released')) {
        return { status: 503, body: errorBody('owner_unavailable', undefined, { callId }) };
      }
      return { status: 404, body: notLive(callId) };
    }
  }
}
