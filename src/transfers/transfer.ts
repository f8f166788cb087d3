// The one way a call is handed to a person. The agent's transfer_call tool, the keypad
// and the operator API all come here, so each transfer gets the same carrier policy,
// the same context headers, the same REFER deadline, the same events, and the call is
// marked transferred by this module, not by whoever asked.
import { APIError } from 'openai';
import type { CallEvent } from '../calls/call-events.ts';
import type { BusinessHours } from '../hours/business-hours.ts';
import { describeNextOpening } from '../hours/business-hours.ts';
import type { Logger } from '../log/logger.ts';
import { redactPhonesInText } from '../log/redact.ts';
import type { CallControl } from '../openai/call-control.ts';
import type { CallParties } from '../sip/index.ts';
import { withUriHeaders } from '../sip/uri-headers.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import { type CarrierPolicy, carrierTarget } from './carrier-policy.ts';
import { type ContextHeader, cleanReason, contextHeaders } from './context-headers.ts';

/** How one agent transfers: fixed when its profile is compiled, the same for every way a transfer is asked for. */
export interface TransferPolicy {
  carrier: CarrierPolicy;
  /** URI headers (User-to-User, X-…) added to every REFER target. */
  context: readonly ContextHeader[];
  profile: string;
  business: string;
  /** How long OpenAI may take to answer the REFER request before the transfer counts as failed. */
  referTimeoutMs: number;
  logPii: boolean;
}

/** The live call being transferred (a tool's context has all of it). */
export interface TransferringCall {
  callId: string;
  parties: CallParties;
  control: CallControl;
  log: Logger;
  call: { emit(event: CallEvent): void; markTransferred(): void };
  /** The call's clock: the REFER's duration and deadline. Default: the system clock. */
  clock?: Clock;
}

export type TransferSource = 'agent' | 'keypad' | 'operator';

export interface TransferRequest {
  /** An E.164 number (sent to the carrier host) or a sip: URI (used as written). */
  to: string;
  /** A destination name, for the logs and `{{destination}}` in the context headers. */
  destination: string;
  reason: string;
  by: TransferSource;
}

export type TransferError = 'no_sip_host' | 'bad_transfer_target' | 'transfer_failed';
export type TransferResult = { ok: true; uri: string } | { ok: false; error: TransferError; detail: string };

/**
 * Applies the carrier policy (a Contact host off the allow-list is never used: the
 * fallback host or nothing), builds the REFER target with its context headers, sends
 * the REFER under the deadline, emits transfer.requested / transfer.completed and, when
 * OpenAI took it, marks the call transferred. Never throws.
 */
export async function transferCall(call: TransferringCall, request: TransferRequest, policy: TransferPolicy): Promise<TransferResult> {
  const { callId, log } = call;
  const clock = call.clock ?? systemClock;
  const target = carrierTarget(request.to, call.parties.contact, policy.carrier);
  if (target.contactRefused) {
    log.warn(
      { callId, contactHost: call.parties.contact?.hostPort, by: request.by },
      'contact host is not on the carrier allow-list: not used for the transfer',
    );
  }
  if (!target.ok) {
    const error = target.reason === 'no_host' ? 'no_sip_host' : 'bad_transfer_target';
    log.warn(
      { callId, destination: request.destination, by: request.by, reason: target.reason },
      'transfer impossible: no usable SIP host or target',
    );
    call.call.emit({ type: 'transfer.completed', callId, target: '', ok: false, error, durationMs: 0 });
    return { ok: false, error, detail: impossibleDetail(target.reason, target.contactRefused) };
  }
  const headers = contextHeaders(policy.context, {
    callId,
    reason: cleanReason(request.reason),
    parties: call.parties,
    destination: request.destination,
    profile: policy.profile,
    business: policy.business,
  });
  const uri = withUriHeaders(target.uri, headers);
  const logTarget = redactPhonesInText(target.uri, policy.logPii);
  const fields = { callId, destination: request.destination, by: request.by, target: logTarget };
  call.call.emit({ type: 'transfer.requested', callId, target: uri });
  const startedAt = clock.now();
  try {
    await withDeadline((signal) => call.control.refer(callId, uri, signal), policy.referTimeoutMs, clock);
  } catch (err) {
    const durationMs = clock.now() - startedAt;
    const status = err instanceof APIError ? err.status : undefined;
    const message = err instanceof ReferTimeout ? `no answer to the REFER within ${policy.referTimeoutMs} ms` : (err as Error).message;
    log.error({ ...fields, status, err: message, durationMs }, 'transfer failed');
    call.call.emit({ type: 'transfer.completed', callId, target: uri, ok: false, error: message, durationMs });
    return { ok: false, error: 'transfer_failed', detail: message };
  }
  const durationMs = clock.now() - startedAt;
  call.call.markTransferred();
  log.info({ ...fields, contextHeaders: headers.map((h) => h.name), durationMs }, 'call transferred');
  call.call.emit({ type: 'transfer.completed', callId, target: uri, ok: true, durationMs });
  return { ok: true, uri };
}

function impossibleDetail(reason: 'no_host' | 'bad_target', contactRefused: boolean): string {
  if (reason === 'bad_target') return 'the target is neither a phone number nor a sip: URI';
  if (contactRefused)
    return "the INVITE's Contact host is not on the carrier allow-list and no fallback host is set (carrier.fallbackHost or REFER_SIP_HOST)";
  return 'no SIP host to transfer to: the INVITE has no Contact host and no fallback host is set (carrier.fallbackHost or REFER_SIP_HOST)';
}

class ReferTimeout extends Error {}

/** Aborts the request at the deadline, and stops waiting for it even if it ignores the signal. */
async function withDeadline(run: (signal: AbortSignal) => Promise<void>, timeoutMs: number, clock: Clock): Promise<void> {
  const controller = new AbortController();
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      controller.abort();
      reject(new ReferTimeout());
    }, timeoutMs);
  });
  try {
    await Promise.race([run(controller.signal), deadline]);
  } finally {
    timer?.cancel();
  }
}

/** A named place a call may be transferred to (`transfers.<name>` of a profile, or REFER_TO). */
export interface Destination {
  name: string;
  /** E.164 number (REFER to the carrier edge) or a sip: URI (used as it is). */
  to: string;
  description: string;
  hours: BusinessHours | null;
}

export type Availability =
  | { ok: true; destination: Destination }
  | { ok: false; error: 'unknown_destination' }
  | { ok: false; error: 'closed'; destination: Destination; opensAt: string | null; closure?: string };

export type DestinationResult = TransferResult | Exclude<Availability, { ok: true }>;

/** One agent's transfers: its destinations and the policy every transfer of its calls goes under. */
export interface Transfers {
  readonly destinations: readonly Destination[];
  /** true: the one unnamed destination (REFER_TO); the tool then takes only a reason. */
  readonly unnamed: boolean;
  availability(name: string, at: number): Availability;
  /** To a named destination: its hours are checked again, then the REFER is sent. */
  toDestination(call: TransferringCall, name: string, reason: string, by: TransferSource): Promise<DestinationResult>;
  /** To any number or sip: URI (the operator's choice), under the same carrier policy and context. */
  toTarget(call: TransferringCall, to: string, reason: string, by: TransferSource): Promise<TransferResult>;
}

export interface TransfersOptions {
  destinations: readonly Destination[];
  unnamed?: boolean;
  policy: TransferPolicy;
  /** Epoch ms, for opening hours. */
  clock?: () => number;
}

export function createTransfers(opts: TransfersOptions): Transfers {
  const clock = opts.clock ?? Date.now;
  const byName = new Map(opts.destinations.map((d) => [d.name, d]));

  function availability(name: string, at: number): Availability {
    const destination = byName.get(name);
    if (!destination) return { ok: false, error: 'unknown_destination' };
    const status = destination.hours?.status(at);
    if (!status || status.open) return { ok: true, destination };
    return {
      ok: false,
      error: 'closed',
      destination,
      opensAt: describeNextOpening(status.next),
      ...(status.closure ? { closure: status.closure } : {}),
    };
  }

  return {
    destinations: opts.destinations,
    unnamed: opts.unnamed ?? false,
    availability,
    async toDestination(call, name, reason, by) {
      const a = availability(name, clock());
      if (!a.ok) {
        if (a.error === 'closed') call.log.info({ callId: call.callId, destination: name, by }, 'transfer refused: destination closed');
        return a;
      }
      return transferCall(call, { to: a.destination.to, destination: name, reason, by }, opts.policy);
    },
    toTarget(call, to, reason, by) {
      return transferCall(call, { to, destination: by, reason, by }, opts.policy);
    },
  };
}
