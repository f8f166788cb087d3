import type { EndReason } from './call-events.ts';

export interface LiveCall {
  readonly callId: string;
  readonly ended: Promise<EndReason>;
  hangup(reason: EndReason): Promise<void>;
  /** Ends the call here without waiting for OpenAI (its hangup did not answer in time). */
  abandon?(reason: EndReason): void;
}

/** The calls this process controls right now. A call leaves when it ends. */
export class LiveCalls<T extends LiveCall = LiveCall> {
  private readonly calls = new Map<string, T>();

  add(call: T): void {
    this.calls.set(call.callId, call);
    void call.ended.finally(() => {
      if (this.calls.get(call.callId) === call) this.calls.delete(call.callId);
    });
  }

  get(callId: string): T | undefined {
    return this.calls.get(callId);
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  get size(): number {
    return this.calls.size;
  }

  list(): T[] {
    return [...this.calls.values()];
  }

  /**
   * Waits for live calls to end; after timeoutMs hangs up the rest, waiting up to hangupMs for
   * those hangups before ending the calls here regardless. Resolves with how many were cut.
   */
  async drain(timeoutMs: number, hangupMs = 3_000): Promise<number> {
    const all = Promise.all(this.list().map((c) => c.ended));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return 0;
    const rest = this.list();
    const hangups = Promise.all(rest.map((c) => c.hangup('drain_timeout').catch(() => undefined)));
    let hangupTimer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      hangups.then(() => true),
      new Promise<boolean>((resolve) => (hangupTimer = setTimeout(() => resolve(false), hangupMs))),
    ]);
    clearTimeout(hangupTimer);
    if (!answered) for (const c of this.list()) c.abandon?.('drain_timeout');
    return rest.length;
  }
}
