import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import { CommitGroup } from '../records/commit-group.ts';
import type { SqlDriver, SqlRow, SqlValue } from '../records/sql-driver.ts';
import { type Clock, sleep, systemClock } from '../time/clock.ts';
import type {
  CallKeys,
  ClaimInfo,
  ClaimOutcome,
  ClaimState,
  CommandHandler,
  CommandReply,
  Coordination,
  CoordinationEvents,
  InstanceInfo,
  OperatorCommand,
  RelayOutcome,
  TakenCall,
} from './coordination.ts';
import type { RelayMessage, RelayTransport } from './relay-transport.ts';

export interface SqlCoordinationOptions {
  /** Claims, tool claims, lookups, relayed messages: the call path's queries. */
  driver: SqlDriver;
  /**
   * Lease renewals and takeovers, on connections of their own (default: `driver`): a burst of
   * claims must never hold up a heartbeat, or a busy instance would look dead to its peers.
   */
  leaseDriver?: SqlDriver;
  transport: RelayTransport;
  instanceId: string;
  /** How long a renewed lease lasts. */
  leaseMs: number;
  log: Logger;
  /** Wall time for leases (instances' clocks must agree to well within a lease: NTP). */
  clock?: Clock;
  /** Registering declares every other instance dead: true with SQLite, where one process owns the file. */
  soleInstance?: boolean;
  /** Closed with the coordination (its own pool); false when it is borrowed (SQLite: the records' connection). */
  ownsDriver?: boolean;
}

const num = (v: unknown) => Number(v);

const claimColumns = `c.call_id, c.owner, c.epoch, c.state, c.takeovers, i.state AS owner_state, i.lease_until AS owner_lease_until`;
const claimFrom = `call_claims c LEFT JOIN cluster_instances i ON i.instance_id = c.owner`;

// The orphans: released calls, and calls whose owner's lease ran out (accepting ones only after a grace).
const orphans = `SELECT c.call_id, c.epoch, c.owner, c.state FROM call_claims c
  WHERE c.owner <> $1 AND (
    c.state = 'released'
    OR ((c.state = 'live' OR (c.state = 'accepting' AND c.updated_at < $3))
        AND (c.owner IN (SELECT instance_id FROM cluster_instances WHERE state <> 'live' OR lease_until < $2)
             OR NOT EXISTS (SELECT 1 FROM cluster_instances x WHERE x.instance_id = c.owner))))
  ORDER BY c.claimed_at
  LIMIT $4`;

/**
 * The coordination over SQL: the same statements on PostgreSQL and SQLite (where they differ,
 * both are written here), relaying commands over the transport it is given. Every write that
 * decides ownership is a compare-and-set on the claim's epoch, so one instance wins each race.
 */
export class SqlCoordination implements Coordination {
  readonly kind: 'sqlite' | 'postgres';
  readonly instanceId: string;
  private readonly opts: SqlCoordinationOptions;
  private readonly db: SqlDriver;
  private readonly leaseDb: SqlDriver;
  private readonly clock: Clock;
  private readonly pending = new Map<string, (reply: CommandReply | null) => void>();
  private handler: CommandHandler | null = null;
  private events: CoordinationEvents = {};
  private started = false;
  private readonly later: CommitGroup | null;
  /** SQLite's one process: registering declared every other instance gone. */
  private readonly sole: boolean;
  private readonly toolClaimsInFlight = new Set<string>();

  constructor(opts: SqlCoordinationOptions) {
    this.opts = opts;
    this.db = opts.driver;
    this.leaseDb = opts.leaseDriver ?? opts.driver;
    this.kind = opts.driver.dialect;
    this.instanceId = opts.instanceId;
    this.clock = opts.clock ?? systemClock;
    // PostgreSQL commits claims without waiting for the WAL flush already; SQLite groups them.
    this.later = this.kind === 'sqlite' ? new CommitGroup(this.db, 10) : null;
    this.sole = opts.soleInstance ?? this.kind === 'sqlite';
  }

  /** A write off the answer path: on SQLite, committed with the others queued within a few ms. */
  private writeLater(sql: string, params: readonly SqlValue[]): Promise<number> {
    return this.later ? this.later.run(sql, params) : this.db.run(sql, params);
  }

  get relayConnected(): boolean {
    return this.opts.transport.connected;
  }

  private now(): number {
    return this.clock.epochMs();
  }

  // SQLite has one connection: writes go through its transaction queue, never inside another's open batch.
  private write<T>(fn: (tx: { query: SqlDriver['query']; run: SqlDriver['run'] }) => Promise<T>, db: SqlDriver = this.db): Promise<T> {
    return this.kind === 'sqlite' ? db.transaction(fn) : fn(db);
  }

  private leaseWrite<T>(fn: (tx: { query: SqlDriver['query']; run: SqlDriver['run'] }) => Promise<T>): Promise<T> {
    return this.write(fn, this.leaseDb);
  }

  async instanceLease(): Promise<number | null> {
    if (this.sole) return null;
    const rows = await this.leaseDb.query(`SELECT lease_until FROM cluster_instances WHERE instance_id = $1 AND state = 'live'`, [
      this.instanceId,
    ]);
    return rows[0] ? num(rows[0].lease_until) : null;
  }

  async register(): Promise<void> {
    const now = this.now();
    await this.leaseWrite(async (tx) => {
      await tx.run(
        `INSERT INTO cluster_instances (instance_id, started_at, heartbeat_at, lease_until, state) VALUES ($1, $2, $2, $3, 'live')
         ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, lease_until = excluded.lease_until, state = 'live'`,
        [this.instanceId, now, now + this.opts.leaseMs],
      );
      if (this.sole) {
        await tx.run(`UPDATE cluster_instances SET state = 'gone', lease_until = $2 WHERE instance_id <> $1 AND state = 'live'`, [
          this.instanceId,
          now,
        ]);
      }
    });
    if (!this.started) {
      this.started = true;
      await this.opts.transport.start((m) => this.receive(m));
    }
  }

  async renew(): Promise<boolean> {
    const now = this.now();
    const changed = await this.leaseWrite((tx) =>
      tx.run(`UPDATE cluster_instances SET heartbeat_at = $2, lease_until = $3 WHERE instance_id = $1 AND state = 'live'`, [
        this.instanceId,
        now,
        now + this.opts.leaseMs,
      ]),
    );
    return changed === 1;
  }

  async deregister(): Promise<void> {
    await this.leaseWrite((tx) =>
      tx.run(`UPDATE cluster_instances SET state = 'gone', lease_until = $2 WHERE instance_id = $1`, [this.instanceId, this.now()]),
    );
  }

  async liveInstances(): Promise<InstanceInfo[]> {
    const rows = await this.leaseDb.query(
      `SELECT instance_id, started_at, heartbeat_at, lease_until FROM cluster_instances WHERE state = 'live' AND lease_until >= $1 ORDER BY started_at, instance_id`,
      [this.now()],
    );
    return rows.map((r) => ({
      instanceId: String(r.instance_id),
      startedAt: num(r.started_at),
      heartbeatAt: num(r.heartbeat_at),
      leaseUntil: num(r.lease_until),
    }));
  }

  claim(keys: CallKeys): Promise<ClaimOutcome> {
    return this.claimOnce(keys, 0);
  }

  private async claimOnce(keys: CallKeys, attempt: number): Promise<ClaimOutcome> {
    const now = this.now();
    const params = [keys.callId, keys.correlationKey, this.instanceId, now];
    let rows: SqlRow[];
    if (this.kind === 'postgres') {
      // One round trip: insert, or read who has it. A row committed by a racing instance while this
      // statement waited is outside its snapshot: then neither part returns it, and it is read again.
      rows = await this.db.query(
        `WITH ins AS (
           INSERT INTO call_claims (call_id, correlation_key, owner, epoch, state, claimed_at, updated_at)
           VALUES ($1, $2, $3, 1, 'accepting', $4, $4) ON CONFLICT DO NOTHING RETURNING call_id)
         SELECT TRUE AS won, NULL AS call_id, NULL AS owner, 1 AS epoch, NULL AS state, 0 AS takeovers, NULL AS owner_state, NULL AS owner_lease_until FROM ins
         UNION ALL
         SELECT FALSE AS won, ${claimColumns} FROM ${claimFrom}
           WHERE (c.call_id = $1 OR c.correlation_key = $2) AND NOT EXISTS (SELECT 1 FROM ins)`,
        params,
      );
    } else if (this.sole && this.later) {
      // One process owns the file and de-duplicates its own deliveries before claiming: a read tells
      // whether the call was claimed (before a restart); a new claim's write joins the next grouped
      // commit instead of costing a commit on the answer path. A crash within that window loses
      // it, as it loses the call's record: a retried delivery's accept is then refused as not
      // pending, and the late-accept path attaches to the call.
      // Records batches are written by their own thread and connection: this read does not wait for them.
      rows = await this.db.query(`SELECT 0 AS won, ${claimColumns} FROM ${claimFrom} WHERE c.call_id = $1 OR c.correlation_key = $2`, [
        keys.callId,
        keys.correlationKey,
      ]);
      if (rows.length === 0) {
        this.later
          .run(
            `INSERT INTO call_claims (call_id, correlation_key, owner, epoch, state, claimed_at, updated_at)
             VALUES ($1, $2, $3, 1, 'accepting', $4, $4) ON CONFLICT DO NOTHING`,
            params,
          )
          .then(
            (inserted) => inserted === 1 || this.opts.log.warn({ callId: keys.callId }, 'a claim was already written: kept the first'),
            (err: unknown) => this.opts.log.warn({ callId: keys.callId, err: (err as Error).message }, 'writing a claim failed'),
          );
        return { kind: 'won', epoch: 1, afterCrash: false };
      }
    } else {
      rows = await this.db.transaction(async (tx) => {
        const inserted = await tx.run(
          `INSERT INTO call_claims (call_id, correlation_key, owner, epoch, state, claimed_at, updated_at)
           VALUES ($1, $2, $3, 1, 'accepting', $4, $4) ON CONFLICT DO NOTHING`,
          params,
        );
        if (inserted === 1) return [{ won: 1 }];
        return tx.query(`SELECT 0 AS won, ${claimColumns} FROM ${claimFrom} WHERE c.call_id = $1 OR c.correlation_key = $2`, [
          keys.callId,
          keys.correlationKey,
        ]);
      });
    }
    if (rows.length === 0)
      rows = await this.db.query(`SELECT 0 AS won, ${claimColumns} FROM ${claimFrom} WHERE c.call_id = $1 OR c.correlation_key = $2`, [
        keys.callId,
        keys.correlationKey,
      ]);
    const first = rows[0];
    // Claimed and abandoned between the two reads: try again (a few times; then it is someone's).
    if (!first) {
      if (attempt < 3) return this.claimOnce(keys, attempt + 1);
      throw new Error('claim kept changing hands');
    }
    if (first.won === true || first.won === 1 || first.won === '1') return { kind: 'won', epoch: 1, afterCrash: false };
    const claim = this.toClaim(first, now);
    // Its instance died while accepting: this delivery (OpenAI's retry) takes the claim over.
    if (claim.state === 'accepting' && !claim.ownerAlive && claim.owner !== this.instanceId) {
      const stolen = await this.write((tx) =>
        tx.run(
          `UPDATE call_claims SET owner = $2, epoch = epoch + 1, updated_at = $3 WHERE call_id = $1 AND epoch = $4 AND state = 'accepting'`,
          [claim.callId, this.instanceId, now, claim.epoch],
        ),
      );
      if (stolen === 1) return { kind: 'won', epoch: claim.epoch + 1, afterCrash: true };
      if (attempt < 3) return this.claimOnce(keys, attempt + 1);
    }
    return { kind: 'taken', claim };
  }

  async confirm(callId: string, epoch: number): Promise<boolean> {
    const changed = await this.writeLater(
      `UPDATE call_claims SET state = 'live', updated_at = $4 WHERE call_id = $1 AND owner = $2 AND epoch = $3 AND state = 'accepting'`,
      [callId, this.instanceId, epoch, this.now()],
    );
    return changed === 1;
  }

  async abandon(callId: string, epoch: number): Promise<void> {
    await this.write((tx) =>
      tx.run(`DELETE FROM call_claims WHERE call_id = $1 AND owner = $2 AND epoch = $3 AND state = 'accepting'`, [
        callId,
        this.instanceId,
        epoch,
      ]),
    );
  }

  async finish(callId: string, epoch: number): Promise<void> {
    await this.writeLater(`UPDATE call_claims SET state = 'ended', updated_at = $4 WHERE call_id = $1 AND owner = $2 AND epoch = $3`, [
      callId,
      this.instanceId,
      epoch,
      this.now(),
    ]);
  }

  async lookup(callId: string): Promise<ClaimInfo | null> {
    const rows = await this.db.query(`SELECT ${claimColumns} FROM ${claimFrom} WHERE c.call_id = $1`, [callId]);
    return rows[0] ? this.toClaim(rows[0], this.now()) : null;
  }

  async ownedCalls(): Promise<Map<string, number>> {
    await this.later?.flush(); // what this instance has written, before it reads its own claims
    const rows = await this.leaseDb.query(`SELECT call_id, epoch FROM call_claims WHERE owner = $1 AND state IN ('accepting', 'live')`, [
      this.instanceId,
    ]);
    return new Map(rows.map((r) => [String(r.call_id), num(r.epoch)]));
  }

  async release(): Promise<number> {
    await this.later?.flush(); // a confirm still queued must not turn a released claim back to live
    return this.write((tx) =>
      tx.run(`UPDATE call_claims SET state = 'released', updated_at = $2 WHERE owner = $1 AND state = 'live'`, [
        this.instanceId,
        this.now(),
      ]),
    );
  }

  async releasedPending(): Promise<number> {
    const rows = await this.leaseDb.query(`SELECT COUNT(*) AS n FROM call_claims WHERE owner = $1 AND state = 'released'`, [
      this.instanceId,
    ]);
    return num(rows[0]?.n ?? 0);
  }

  async takeOver(opts: { limit: number; acceptGraceMs: number }): Promise<TakenCall[]> {
    const now = this.now();
    const params = [this.instanceId, now, now - opts.acceptGraceMs, opts.limit];
    if (this.kind === 'postgres') {
      const candidates = await this.leaseDb.query(orphans, params);
      if (candidates.length === 0) return [];
      // Compare-and-set on each epoch: of two instances racing for a call, the second finds the epoch moved on.
      const list = candidates.map((r) => ({
        call_id: String(r.call_id),
        epoch: num(r.epoch),
        owner: String(r.owner),
        state: String(r.state),
      }));
      const rows = await this.leaseDb.query(
        `UPDATE call_claims c SET owner = $1, epoch = c.epoch + 1, state = 'live', updated_at = $2, takeovers = c.takeovers + 1
         FROM jsonb_to_recordset($3::jsonb) AS o(call_id text, epoch int, owner text, state text)
         WHERE c.call_id = o.call_id AND c.epoch = o.epoch
         RETURNING c.call_id, c.epoch, o.owner AS previous_owner, o.state AS previous_state`,
        [this.instanceId, now, JSON.stringify(list)],
      );
      return rows.map((r) => this.toTaken(r));
    }
    return this.leaseDb.transaction(async (tx) => {
      const taken: TakenCall[] = [];
      for (const r of await tx.query(orphans, params)) {
        const changed = await tx.run(
          `UPDATE call_claims SET owner = $1, epoch = epoch + 1, state = 'live', updated_at = $2, takeovers = takeovers + 1 WHERE call_id = $3 AND epoch = $4`,
          [this.instanceId, now, String(r.call_id), num(r.epoch)],
        );
        if (changed === 1)
          taken.push(this.toTaken({ call_id: r.call_id, epoch: num(r.epoch) + 1, previous_owner: r.owner, previous_state: r.state }));
      }
      return taken;
    });
  }

  async reclaim(): Promise<TakenCall[]> {
    const rows = await this.leaseWrite((tx) =>
      tx.query(
        `UPDATE call_claims SET epoch = epoch + 1, state = 'live', updated_at = $2, takeovers = takeovers + 1
         WHERE owner = $1 AND state IN ('accepting', 'live', 'released') RETURNING call_id, epoch`,
        [this.instanceId, this.now()],
      ),
    );
    return rows.map((r) => ({ callId: String(r.call_id), epoch: num(r.epoch), previousOwner: this.instanceId, why: 'restarted' as const }));
  }

  async notifyTaken(previousOwner: string, callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0 || previousOwner === this.instanceId) return;
    await this.opts.transport.publish({ type: 'taken', from: this.instanceId, to: previousOwner, callIds: [...callIds] });
  }

  async notifyReleased(): Promise<void> {
    await this.opts.transport.publish({ type: 'released', from: this.instanceId, to: '*' });
  }

  async claimToolCall(callId: string, toolCallId: string): Promise<boolean> {
    if (this.sole && this.later) {
      // As a call's claim on SQLite: a read and a grouped write; the set covers the write's few
      // milliseconds before it commits.
      const key = `${callId} ${toolCallId}`;
      if (this.toolClaimsInFlight.has(key)) return false;
      const existing = await this.db.query(`SELECT 1 AS x FROM tool_claims WHERE call_id = $1 AND tool_call_id = $2`, [callId, toolCallId]);
      if (existing.length > 0 || this.toolClaimsInFlight.has(key)) return false;
      this.toolClaimsInFlight.add(key);
      const written = this.later.run(
        `INSERT INTO tool_claims (call_id, tool_call_id, owner, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [callId, toolCallId, this.instanceId, this.now()],
      );
      void written.then(
        () => this.toolClaimsInFlight.delete(key),
        (err: unknown) => {
          this.toolClaimsInFlight.delete(key);
          this.opts.log.warn({ callId, toolCallId, err: (err as Error).message }, 'writing a tool claim failed');
        },
      );
      return true;
    }
    const changed = await this.write((tx) =>
      tx.run(`INSERT INTO tool_claims (call_id, tool_call_id, owner, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
        callId,
        toolCallId,
        this.instanceId,
        this.now(),
      ]),
    );
    return changed === 1;
  }

  onCommand(handler: CommandHandler): void {
    this.handler = handler;
  }

  setEvents(events: CoordinationEvents): void {
    this.events = events;
  }

  async relay(callId: string, command: OperatorCommand, opts: { timeoutMs: number }): Promise<RelayOutcome> {
    const deadline = this.clock.now() + opts.timeoutMs;
    // Ownership can move while a command is on its way (a takeover): the old owner says "not here", look again.
    for (let attempt = 0; ; attempt++) {
      const claim = await this.lookup(callId);
      if (!claim || claim.state === 'ended' || claim.state === 'released' || !claim.ownerAlive) return { kind: 'no_owner', claim };
      const remainingMs = deadline - this.clock.now();
      if (remainingMs <= 0) return { kind: 'timeout', owner: claim.owner };
      const reply =
        claim.owner === this.instanceId ? await this.runHere(callId, command) : await this.ask(claim.owner, callId, command, remainingMs);
      if (reply === 'timeout') return { kind: 'timeout', owner: claim.owner };
      if (reply) return { kind: 'reply', owner: claim.owner, reply };
      if (attempt >= 4) return { kind: 'no_owner', claim };
      await sleep(this.clock, Math.min(100 * (attempt + 1), Math.max(0, deadline - this.clock.now())));
    }
  }

  async purge(before: number): Promise<{ claims: number; instances: number }> {
    return this.leaseWrite(async (tx) => {
      await tx.run(`DELETE FROM tool_claims WHERE call_id IN (SELECT call_id FROM call_claims WHERE state = 'ended' AND updated_at < $1)`, [
        before,
      ]);
      const claims = await tx.run(`DELETE FROM call_claims WHERE state = 'ended' AND updated_at < $1`, [before]);
      const instances = await tx.run(
        `DELETE FROM cluster_instances WHERE (state <> 'live' OR lease_until < $1)
           AND NOT EXISTS (SELECT 1 FROM call_claims c WHERE c.owner = cluster_instances.instance_id)`,
        [before],
      );
      await tx.run(`DELETE FROM relay_messages WHERE created_at < $1`, [before]);
      return { claims, instances };
    });
  }

  async close(): Promise<void> {
    await this.later?.flush();
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
    await this.opts.transport.close();
    if (this.opts.ownsDriver) {
      await this.db.close();
      if (this.leaseDb !== this.db) await this.leaseDb.close();
    }
  }

  private async runHere(callId: string, command: OperatorCommand): Promise<CommandReply | null> {
    if (!this.handler) return null;
    try {
      return await this.handler(callId, command);
    } catch (err) {
      this.opts.log.error({ callId, action: command.action, err }, 'relayed command failed');
      return { status: 500, body: { error: 'internal', message: 'internal error' } };
    }
  }

  private ask(owner: string, callId: string, command: OperatorCommand, timeoutMs: number): Promise<CommandReply | null | 'timeout'> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        timer.cancel();
        this.pending.delete(id);
        resolve(reply);
      });
      this.opts.transport.publish({ type: 'command', id, from: this.instanceId, to: owner, callId, command }).catch((err: Error) => {
        this.opts.log.warn({ callId, owner, err: err.message }, 'relaying a command failed');
        this.pending.get(id)?.(null);
      });
    });
  }

  private receive(message: RelayMessage): void {
    if (message.to !== this.instanceId && message.to !== '*') return;
    switch (message.type) {
      case 'command':
        void this.runHere(message.callId, message.command).then((reply) =>
          this.opts.transport
            .publish({ type: 'reply', id: message.id, from: this.instanceId, to: message.from, reply })
            .catch((err: Error) => this.opts.log.warn({ callId: message.callId, err: err.message }, 'answering a relayed command failed')),
        );
        break;
      case 'reply':
        this.pending.get(message.id)?.(message.reply);
        break;
      case 'taken':
        this.events.onCallsLost?.(message.callIds);
        break;
      case 'released':
        if (message.from !== this.instanceId) this.events.onCallsReleased?.();
        break;
    }
  }

  private toClaim(r: SqlRow, now: number): ClaimInfo {
    const ownerLease = r.owner_lease_until === null || r.owner_lease_until === undefined ? null : num(r.owner_lease_until);
    return {
      callId: String(r.call_id),
      owner: String(r.owner),
      epoch: num(r.epoch),
      state: String(r.state) as ClaimState,
      ownerAlive: r.owner_state === 'live' && ownerLease !== null && ownerLease >= now,
      takeovers: num(r.takeovers),
    };
  }

  private toTaken(r: SqlRow): TakenCall {
    return {
      callId: String(r.call_id),
      epoch: num(r.epoch),
      previousOwner: String(r.previous_owner),
      why: r.previous_state === 'released' ? 'released' : 'lost',
    };
  }
}
