import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** Bytes queued for delivery at a time; one timer per direction keeps them in order. */
class DelayLine {
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private timer: NodeJS.Timeout | null = null;
  private lastAt = 0;
  private readonly deliver: (chunk: Buffer) => void;

  constructor(deliver: (chunk: Buffer) => void) {
    this.deliver = deliver;
  }

  push(chunk: Buffer, at: number): void {
    this.lastAt = Math.max(at, this.lastAt);
    this.queue.push({ at: this.lastAt, chunk });
    this.arm();
  }

  /** Runs fn once everything queued so far has been delivered. */
  after(fn: () => void): void {
    const wait = Math.max(0, this.lastAt - performance.now());
    setTimeout(fn, wait);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const now = performance.now();
        while (this.queue.length > 0 && (this.queue[0]?.at ?? Infinity) <= now + 0.5) this.deliver(this.queue.shift()!.chunk);
        this.arm();
      },
      Math.max(0, head.at - performance.now()),
    );
  }
}

export interface LinkOptions {
  rttMs: number;
  /**
   * The peer's first bytes wait for the TCP handshake too: on a real path a
   * client can send only one round trip after connect(). True for the
   * accepting side (the loopback connect() finished at once).
   */
  handshake: boolean;
}

/**
 * A loopback socket seen through an emulated network path: every chunk is
 * delivered half a round trip late in each direction, and on the accepting
 * side the first bytes wait one more round trip (SYN, SYN-ACK). A fresh TLS 1.3
 * connection then costs three round trips before its first response, as on a
 * real path; a warm one costs one.
 */
export function delayedLink(raw: Socket, opts: LinkOptions): Duplex {
  const oneWayMs = opts.rttMs / 2;
  const openedAt = performance.now();
  let firstData = true;
  const outbound = new DelayLine((chunk) => raw.write(chunk));
  const link: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      outbound.push(chunk, performance.now() + oneWayMs);
      cb();
    },
    final(cb) {
      outbound.after(() => raw.end());
      cb();
    },
    destroy(err, cb) {
      inbound.clear();
      outbound.clear();
      raw.destroy();
      cb(err);
    },
  });
  const inbound = new DelayLine((chunk) => link.push(chunk));
  raw.on('data', (chunk: Buffer) => {
    const extra = firstData && opts.handshake ? openedAt + opts.rttMs - performance.now() : 0;
    firstData = false;
    inbound.push(chunk, performance.now() + oneWayMs + Math.max(0, extra));
  });
  raw.on('end', () => inbound.after(() => link.push(null)));
  raw.on('error', (err) => link.destroy(err));
  raw.on('close', () => inbound.after(() => link.destroy()));
  return link;
}
