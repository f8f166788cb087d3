// Live calls per profile and overall, for the concurrency caps. A slot is taken when
// the plan says accept (synchronously, so two webhooks cannot both take the last one)
// and given back when the call is over, whichever way it ended.
import { type CallEvent, isTerminalEvent } from '../calls/call-events.ts';

export type Reservation = { ok: true } | { ok: false; limit: 'overall' | 'profile'; max: number };

export class CallCounter {
  private readonly profileOf = new Map<string, string>();
  private readonly perProfile = new Map<string, number>();

  get total(): number {
    return this.profileOf.size;
  }

  count(profile: string): number {
    return this.perProfile.get(profile) ?? 0;
  }

  reserve(callId: string, profile: string, caps: { overall: number | null; profile: number | null }): Reservation {
    if (this.profileOf.has(callId)) return { ok: true };
    if (caps.overall !== null && this.total >= caps.overall) return { ok: false, limit: 'overall', max: caps.overall };
    if (caps.profile !== null && this.count(profile) >= caps.profile) return { ok: false, limit: 'profile', max: caps.profile };
    this.profileOf.set(callId, profile);
    this.perProfile.set(profile, this.count(profile) + 1);
    return { ok: true };
  }

  release(callId: string): void {
    const profile = this.profileOf.get(callId);
    if (profile === undefined) return;
    this.profileOf.delete(callId);
    const left = this.count(profile) - 1;
    if (left > 0) this.perProfile.set(profile, left);
    else this.perProfile.delete(profile);
  }

  /** Subscribe to call events: a slot is freed when its call leaves. */
  readonly onEvent = (event: CallEvent): void => {
    if (isTerminalEvent(event.type)) this.release(event.callId);
  };
}
