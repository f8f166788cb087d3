// The last webhook deliveries that reached this server, verified or not: `switchboard
// doctor` and the dashboard's Set-up page read it to see their test delivery arrive.
// Memory only, bounded, and no bodies: unverified deliveries come from anyone.

export type DeliverySecret = 'current' | 'previous';

export interface DeliveryReceipt {
  /** Increases by one per delivery, from 1: "what arrived after seq N". */
  seq: number;
  at: string;
  webhookId: string | null;
  /** The event type, from a verified body only. */
  eventType: string | null;
  verified: boolean;
  /** Why it was refused: its signature (missing, invalid, stale) or its body. */
  refusal: 'signature' | 'body' | null;
  /** Which configured secret verified it. */
  secret: DeliverySecret | null;
}

export type DeliveryNote = Omit<DeliveryReceipt, 'seq' | 'at'>;

export class DeliveryLog {
  readonly #capacity: number;
  readonly #now: () => Date;
  readonly #entries: DeliveryReceipt[] = [];
  #seq = 0;

  constructor(opts: { capacity?: number; now?: () => Date } = {}) {
    this.#capacity = opts.capacity ?? 50;
    this.#now = opts.now ?? (() => new Date());
  }

  readonly record = (note: DeliveryNote): void => {
    const webhookId = note.webhookId === null ? null : note.webhookId.slice(0, 200);
    this.#entries.push({ ...note, webhookId, seq: ++this.#seq, at: this.#now().toISOString() });
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  };

  get lastSeq(): number {
    return this.#seq;
  }

  /** Deliveries after `seq`, oldest first (only the last `capacity` are kept). */
  since(seq: number): DeliveryReceipt[] {
    return this.#entries.filter((e) => e.seq > seq);
  }
}
