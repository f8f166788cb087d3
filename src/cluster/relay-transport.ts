import type { CommandReply, OperatorCommand } from './coordination.ts';

/** What instances say to each other. `to` is an instance id, or '*' for every instance. */
export type RelayMessage =
  | { type: 'command'; id: string; from: string; to: string; callId: string; command: OperatorCommand }
  /** reply null: the call is not held here (any more). */
  | { type: 'reply'; id: string; from: string; to: string; reply: CommandReply | null }
  | { type: 'taken'; from: string; to: string; callIds: string[] }
  | { type: 'released'; from: string; to: '*' };

/** Carries relay messages between instances: PostgreSQL LISTEN/NOTIFY, or memory in one process. */
export interface RelayTransport {
  /** Messages published from now on reach `onMessage` (every message, whoever it is for). */
  start(onMessage: (message: RelayMessage) => void): Promise<void>;
  publish(message: RelayMessage): Promise<void>;
  /** Listening now: messages published meanwhile are seen. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * One process: a message goes to every transport on the same bus, on a later tick (never
 * inside the publisher's call stack, as over the network).
 */
export class InProcessBus {
  private readonly members = new Set<(message: RelayMessage) => void>();

  transport(): RelayTransport {
    const bus = this.members;
    let member: ((message: RelayMessage) => void) | null = null;
    return {
      get connected() {
        return member !== null;
      },
      async start(onMessage) {
        member = onMessage;
        bus.add(onMessage);
      },
      async publish(message) {
        const copy = structuredClone(message); // as if it went over the wire
        for (const deliver of [...bus]) setImmediate(() => deliver(copy));
      },
      async close() {
        if (member) bus.delete(member);
        member = null;
      },
    };
  }
}
