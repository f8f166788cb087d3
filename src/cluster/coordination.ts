// What instances agree on through the database: who is alive, who owns each call, which tool
// calls ran, and how a command reaches a call's owner. PostgreSQL (several processes) and
// SQLite (one process) implement it with the same code; one contract test covers both.

/** Every key one incoming call is known by. */
export interface CallKeys {
  callId: string;
  /**
   * Shared by every webhook one SIP call raises (its Call-ID and From tag), whatever the call id:
   * a Realtime and a GPT-Live webhook for one call conflict on it. null when the INVITE had no Call-ID.
   */
  correlationKey: string | null;
}

/**
 * accepting: claimed, the accept is under way (or its instance died during it).
 * live: accepted and controlled by its owner. released: its owner is leaving and hands it to
 * whoever takes it first. ended: over; kept so a late retry is never accepted again.
 */
export type ClaimState = 'accepting' | 'live' | 'released' | 'ended';

export interface ClaimInfo {
  callId: string;
  owner: string;
  /** Grows by one at each change of owner: an instance acts on a call only under the epoch it holds. */
  epoch: number;
  state: ClaimState;
  /** The owner's lease is current. */
  ownerAlive: boolean;
  takeovers: number;
}

export type ClaimOutcome =
  /** This instance accepts the call. `afterCrash`: a dead instance had claimed it first, and its accept may have landed. */
  | { kind: 'won'; epoch: number; afterCrash: boolean }
  /** Another delivery got there first (here or on another instance). */
  | { kind: 'taken'; claim: ClaimInfo };

export interface TakenCall {
  callId: string;
  epoch: number;
  previousOwner: string;
  /** released: handed over by a leaving instance; lost: its owner's lease ran out; restarted: this id's earlier process left it. */
  why: 'released' | 'lost' | 'restarted';
}

export interface InstanceInfo {
  instanceId: string;
  startedAt: number;
  heartbeatAt: number;
  leaseUntil: number;
}

/** What an operator can ask of a live call, wherever it runs. */
export type OperatorCommand =
  | { action: 'say'; text: string }
  | { action: 'transfer'; target: string }
  | { action: 'hangup' }
  | { action: 'dtmf'; digits: string };

/** The owner's answer, as the HTTP answer the operator gets. */
export interface CommandReply {
  status: number;
  body: Record<string, unknown>;
}

/** Runs a command on a call this instance holds; null: it holds no such call (ownership moved). */
export type CommandHandler = (callId: string, command: OperatorCommand) => Promise<CommandReply | null>;

export type RelayOutcome =
  | { kind: 'reply'; owner: string; reply: CommandReply }
  /** No instance holds the call live: ended, never claimed, or its owner died and nobody has taken it over yet. */
  | { kind: 'no_owner'; claim: ClaimInfo | null }
  /** The owner did not answer before the deadline. */
  | { kind: 'timeout'; owner: string };

/** Messages between instances. */
export interface CoordinationEvents {
  /** Another instance took these calls from this one (a lease that lapsed, now back): stop controlling them. */
  onCallsLost?(callIds: readonly string[]): void;
  /** A peer released calls (it is leaving): worth looking for calls to take over now. */
  onCallsReleased?(): void;
}

export interface Coordination {
  readonly kind: 'sqlite' | 'postgres';
  readonly instanceId: string;

  /**
   * Until when a process registered under this instance id holds a lease (null: none, or, on SQLite,
   * no other process can exist). Checked before registering: a process killed a moment ago, or another running with this id.
   */
  instanceLease(): Promise<number | null>;
  /** Registers this instance (and, on SQLite, declares every earlier instance dead: one process owns the file). */
  register(): Promise<void>;
  /** Renews this instance's lease, and with it the lease of every call it owns (one statement). false: it had been declared gone. */
  renew(): Promise<boolean>;
  /** Leaves: the lease ends now. */
  deregister(): Promise<void>;
  /** Instances whose lease is current, this one included. */
  liveInstances(): Promise<InstanceInfo[]>;

  /** One database round trip when uncontested. */
  claim(keys: CallKeys): Promise<ClaimOutcome>;
  /** The accept succeeded. false: another instance took the claim meanwhile (this one must not control the call). */
  confirm(callId: string, epoch: number): Promise<boolean>;
  /** The accept failed: forget the claim, so OpenAI's retry can claim it again anywhere. */
  abandon(callId: string, epoch: number): Promise<void>;
  /** The call is over. Kept, so a retried delivery is never accepted again. */
  finish(callId: string, epoch: number): Promise<void>;
  lookup(callId: string): Promise<ClaimInfo | null>;
  /** Calls this instance owns (accepting or live), with their epochs. */
  ownedCalls(): Promise<Map<string, number>>;

  /** Hands every live call of this instance to whoever takes it first. Returns how many. */
  release(): Promise<number>;
  /** Calls this instance released that no instance has taken yet. */
  releasedPending(): Promise<number>;
  /**
   * Takes over calls whose owner's lease ran out, or that were released, atomically: one instance
   * wins each. Claims still `accepting` are taken only after `acceptGraceMs` (the accept may be under way).
   */
  takeOver(opts: { limit: number; acceptGraceMs: number }): Promise<TakenCall[]>;
  /**
   * At startup: calls this instance id still owns were left by an earlier process with the same id
   * (INSTANCE_ID set, or a restart that kept it); this process takes them back, under a new epoch.
   */
  reclaim(): Promise<TakenCall[]>;
  /** Tells the previous owner that it lost these calls (if it is still there to hear it). */
  notifyTaken(previousOwner: string, callIds: readonly string[]): Promise<void>;
  /** Tells peers to look for released calls now. */
  notifyReleased(): Promise<void>;

  /** true the first time this tool call id is claimed for the call, on any instance. */
  claimToolCall(callId: string, toolCallId: string): Promise<boolean>;

  /** Sends a command to the call's owner and waits for its answer, up to timeoutMs. */
  relay(callId: string, command: OperatorCommand, opts: { timeoutMs: number }): Promise<RelayOutcome>;
  /** Commands relayed to this instance run here. */
  onCommand(handler: CommandHandler): void;
  setEvents(events: CoordinationEvents): void;

  /** Deletes ended claims (and their tool claims) and dead instances last seen before `before`. */
  purge(before: number): Promise<{ claims: number; instances: number }>;
  /** The relay channel is connected (always true in-process). */
  readonly relayConnected: boolean;
  close(): Promise<void>;
}
