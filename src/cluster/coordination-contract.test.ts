// One contract, two databases: SQLite (in-process relay) and the real PostgreSQL at
// 127.0.0.1:5432/test (LISTEN/NOTIFY), a fresh schema per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { SqlDriver } from '../records/sql-driver.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import type { CommandReply, Coordination, OperatorCommand } from './coordination.ts';
import { openPostgresCoordination, openSqliteCoordination } from './open-coordination.ts';
import { PgNotifyTransport } from './pg-notify-transport.ts';
import { PgPoolDriver } from './pg-pool-driver.ts';
import { SqlCoordination } from './sql-coordination.ts';

const testDatabaseUrl = inject('databaseUrl');
const log = createLogger('silent');
const leaseMs = 3_000;

interface Harness {
  fresh(): Promise<void>;
  /** A new instance on the current database. */
  open(instanceId: string, clock: ManualClock): Promise<Coordination>;
  /** The same, over a driver that counts round trips (PostgreSQL only). */
  counted?(instanceId: string, clock: ManualClock): Promise<{ coordination: Coordination; trips: () => number }>;
  teardown(): Promise<void>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'sb-coord-'));
  let n = 0;
  let store: SqlStore | null = null;
  return {
    async fresh() {
      store = (await openSqliteStore(join(dir, `db-${++n}.sqlite`))) as SqlStore;
    },
    async open(instanceId, clock) {
      // Several instances on one file only in a test: none declares the others dead.
      return openSqliteCoordination({ driver: store!.driver, instanceId, leaseMs, log, clock, soleInstance: false });
    },
    async teardown() {
      await store?.close();
      store = null;
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresHarness(): Harness {
  const prefix = `sb_coord_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  let schema = '';
  let n = 0;
  return {
    async fresh() {
      schema = `${prefix}_${++n}`;
      schemas.push(schema);
    },
    async open(instanceId, clock) {
      return openPostgresCoordination({ connectionString: testDatabaseUrl, schema, instanceId, leaseMs, log, clock, timeoutMs: 3_000 });
    },
    async counted(instanceId, clock) {
      await (await this.open('migrator', clock)).close(); // migrated
      const inner = new PgPoolDriver({
        connectionString: testDatabaseUrl,
        schema,
        maxConnections: 2,
        timeoutMs: 3_000,
        applicationName: 'test',
      });
      let trips = 0;
      const driver: SqlDriver = {
        dialect: 'postgres',
        query: (sql, params) => {
          trips++;
          return inner.query(sql, params);
        },
        run: (sql, params) => {
          trips++;
          return inner.run(sql, params);
        },
        transaction: (fn) => inner.transaction(fn),
        close: () => inner.close(),
      };
      const transport = new PgNotifyTransport({
        connectionString: testDatabaseUrl,
        schema,
        driver: inner,
        instanceId,
        log,
        connectTimeoutMs: 3_000,
      });
      const coordination = new SqlCoordination({ driver, transport, instanceId, leaseMs, log, clock, ownsDriver: true });
      return { coordination, trips: () => trips };
    },
    async teardown() {},
    async cleanup() {
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    },
  };
}

const harnesses: [string, () => Harness][] = [
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
];

const keys = (callId: string, correlationKey: string | null = `sip-${callId};tag-1`) => ({ callId, correlationKey });

const waitUntil = async (probe: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!probe()) throw new Error(`never: ${what}`);
};

describe.each(harnesses)('Coordination contract: %s', (_name, make) => {
  const harness = make();
  let clock: ManualClock;
  const opened: Coordination[] = [];

  const instance = async (id: string) => {
    const c = await harness.open(id, clock);
    opened.push(c);
    await c.register();
    return c;
  };

  beforeEach(async () => {
    clock = new ManualClock({ epochMs: Date.parse('2026-03-02T09:00:00Z') });
    await harness.fresh();
    return async () => {
      for (const c of opened.splice(0)) await c.close();
      await harness.teardown();
    };
  });
  afterAll(() => harness.cleanup());

  describe('claims', () => {
    it('the first claim wins; every later one, on any instance, is told who has it', async () => {
      const a = await instance('a');
      const b = await instance('b');
      expect(await a.claim(keys('rtc_1'))).toEqual({ kind: 'won', epoch: 1, afterCrash: false });
      const again = await b.claim(keys('rtc_1'));
      expect(again).toEqual({
        kind: 'taken',
        claim: { callId: 'rtc_1', owner: 'a', epoch: 1, state: 'accepting', ownerAlive: true, takeovers: 0 },
      });
      expect((await a.claim(keys('rtc_1'))).kind).toBe('taken');
    });

    it('two webhooks of one SIP call (different call ids, one correlation key) are claimed once, whichever comes first', async () => {
      const a = await instance('a');
      const b = await instance('b');
      expect((await b.claim({ callId: 'live_9', correlationKey: 'sip-x;tag-7' })).kind).toBe('won');
      const other = await a.claim({ callId: 'rtc_9', correlationKey: 'sip-x;tag-7' });
      expect(other).toMatchObject({ kind: 'taken', claim: { callId: 'live_9', owner: 'b' } });
      // Calls without a correlation key never conflict through it.
      expect((await a.claim(keys('rtc_10', null))).kind).toBe('won');
      expect((await b.claim(keys('rtc_11', null))).kind).toBe('won');
    });

    it('of many racing claims on two instances, exactly one wins', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claim(keys('rtc_race'))));
      expect(results.filter((r) => r.kind === 'won')).toHaveLength(1);
      const winner = results.find((r) => r.kind === 'won')
        ? results.filter((r) => r.kind === 'taken').map((r) => r.kind === 'taken' && r.claim.owner)
        : [];
      expect(new Set(winner).size).toBe(1);
    });

    it('is durable: an instance started later never wins a call claimed before', async () => {
      const a = await instance('a');
      await a.claim(keys('rtc_2'));
      await a.confirm('rtc_2', 1);
      await a.close();
      opened.splice(opened.indexOf(a), 1);
      const a2 = await instance('a-restarted');
      expect(await a2.claim(keys('rtc_2'))).toMatchObject({ kind: 'taken', claim: { owner: 'a', state: 'live' } });
    });

    it('confirm makes it live; finish keeps it, ended, so a late retry is still refused', async () => {
      const a = await instance('a');
      await a.claim(keys('rtc_3'));
      expect(await a.confirm('rtc_3', 1)).toBe(true);
      expect(await a.lookup('rtc_3')).toMatchObject({ state: 'live', owner: 'a', ownerAlive: true });
      await a.finish('rtc_3', 1);
      expect(await a.lookup('rtc_3')).toMatchObject({ state: 'ended' });
      expect(await a.ownedCalls()).toEqual(new Map());
      expect((await (await instance('b')).claim(keys('rtc_3'))).kind).toBe('taken');
    });

    it('an abandoned claim (the accept failed) can be claimed again, anywhere', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_4'));
      await a.abandon('rtc_4', 1);
      expect(await a.lookup('rtc_4')).toBeNull();
      expect(await b.claim(keys('rtc_4'))).toEqual({ kind: 'won', epoch: 1, afterCrash: false });
    });

    it('a claim left accepting by a dead instance goes to the retry, and the dead one is fenced off', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_5'));
      clock.advance(leaseMs + 1);
      await b.renew();
      expect(await b.claim(keys('rtc_5'))).toEqual({ kind: 'won', epoch: 2, afterCrash: true });
      // a comes back: its accept finished, but the call is b's now.
      await a.renew();
      expect(await a.confirm('rtc_5', 1)).toBe(false);
      expect(await b.confirm('rtc_5', 2)).toBe(true);
      await a.finish('rtc_5', 1);
      expect(await b.lookup('rtc_5')).toMatchObject({ owner: 'b', state: 'live', epoch: 2 });
    });

    it.runIf(_name === 'postgres')('an uncontested claim is one round trip', async () => {
      const { coordination, trips } = await harness.counted!('a', clock);
      opened.push(coordination);
      await coordination.register();
      const before = trips();
      expect((await coordination.claim(keys('rtc_trip'))).kind).toBe('won');
      expect(trips() - before).toBe(1);
    });
  });

  describe('leases and takeover', () => {
    it('lists live instances; one that stops renewing drops out after its lease', async () => {
      const a = await instance('a');
      const b = await instance('b');
      expect((await b.liveInstances()).map((i) => i.instanceId)).toEqual(['a', 'b']);
      clock.advance(leaseMs - 1);
      expect(await b.renew()).toBe(true);
      clock.advance(2);
      expect((await b.liveInstances()).map((i) => i.instanceId)).toEqual(['b']);
      expect(await a.renew()).toBe(true); // late, but nobody declared it gone: it is back
      expect((await b.liveInstances()).map((i) => i.instanceId)).toEqual(['a', 'b']);
    });

    it('one renewal keeps every call of the instance; after the lease runs out another takes them all, once', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const c = await instance('c');
      for (let i = 0; i < 20; i++) {
        await a.claim(keys(`rtc_t${i}`));
        await a.confirm(`rtc_t${i}`, 1);
      }
      clock.advance(leaseMs - 1);
      await a.renew();
      clock.advance(leaseMs - 1);
      await Promise.all([b.renew(), c.renew()]);
      expect(await b.takeOver({ limit: 100, acceptGraceMs: 5_000 })).toEqual([]);
      clock.advance(2);
      await Promise.all([b.renew(), c.renew()]);
      const [byB, byC] = await Promise.all([
        b.takeOver({ limit: 100, acceptGraceMs: 5_000 }),
        c.takeOver({ limit: 100, acceptGraceMs: 5_000 }),
      ]);
      const all = [...byB, ...byC];
      expect(all.map((t) => t.callId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `rtc_t${i}`).sort());
      expect(new Set(all.map((t) => t.callId)).size).toBe(20);
      expect(all.every((t) => t.previousOwner === 'a' && t.epoch === 2 && t.why === 'lost')).toBe(true);
      const claim = await a.lookup('rtc_t0');
      expect(claim).toMatchObject({ epoch: 2, state: 'live', takeovers: 1 });
      expect(['b', 'c']).toContain(claim?.owner);
      expect(await a.ownedCalls()).toEqual(new Map());
      expect(await b.takeOver({ limit: 100, acceptGraceMs: 5_000 })).toEqual([]);
    });

    it('takes at most `limit` calls per query', async () => {
      const a = await instance('a');
      const b = await instance('b');
      for (let i = 0; i < 5; i++) await a.claim(keys(`rtc_l${i}`)).then(() => a.confirm(`rtc_l${i}`, 1));
      clock.advance(leaseMs + 1);
      await b.renew();
      expect(await b.takeOver({ limit: 3, acceptGraceMs: 0 })).toHaveLength(3);
      expect(await b.takeOver({ limit: 3, acceptGraceMs: 0 })).toHaveLength(2);
    });

    it('a claim still accepting is taken over only after the grace', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_g'));
      clock.advance(leaseMs + 1);
      await b.renew();
      expect(await b.takeOver({ limit: 10, acceptGraceMs: 10_000 })).toEqual([]);
      clock.advance(10_000);
      await b.renew();
      expect(await b.takeOver({ limit: 10, acceptGraceMs: 10_000 })).toMatchObject([{ callId: 'rtc_g', previousOwner: 'a', why: 'lost' }]);
    });

    it('released calls are taken at once, while their owner is still alive', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_r1')).then(() => a.confirm('rtc_r1', 1));
      await a.claim(keys('rtc_r2')).then(() => a.confirm('rtc_r2', 1));
      await a.claim(keys('rtc_r3')); // still accepting: stays
      expect(await a.release()).toBe(2);
      expect(await a.takeOver({ limit: 10, acceptGraceMs: 0 })).toEqual([]); // not back to the one leaving
      const taken = await b.takeOver({ limit: 10, acceptGraceMs: 60_000 });
      expect(taken.map((t) => [t.callId, t.why, t.epoch]).sort()).toEqual([
        ['rtc_r1', 'released', 2],
        ['rtc_r2', 'released', 2],
      ]);
      expect(await b.ownedCalls()).toEqual(
        new Map([
          ['rtc_r1', 2],
          ['rtc_r2', 2],
        ]),
      );
    });

    it('a deregistered instance is dead at once, and knows it when it renews', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_d')).then(() => a.confirm('rtc_d', 1));
      await a.deregister();
      expect(await a.renew()).toBe(false);
      expect(await b.takeOver({ limit: 10, acceptGraceMs: 0 })).toMatchObject([{ callId: 'rtc_d', why: 'lost' }]);
    });

    it('an instance restarted under the same id takes back what its earlier process owned, under a new epoch', async () => {
      const before = await instance('same-id');
      await before.claim(keys('rtc_same')).then(() => before.confirm('rtc_same', 1));
      await before.claim(keys('rtc_other'));
      await before.claim(keys('rtc_done')).then(() => before.confirm('rtc_done', 1));
      await before.finish('rtc_done', 1);
      await before.close();
      opened.splice(opened.indexOf(before), 1);
      const after = await instance('same-id');
      const back = await after.reclaim();
      expect(back.map((t) => [t.callId, t.epoch, t.why]).sort()).toEqual([
        ['rtc_other', 2, 'restarted'],
        ['rtc_same', 2, 'restarted'],
      ]);
      expect(await after.confirm('rtc_same', 1)).toBe(false); // the earlier epoch is fenced off
      expect(await after.lookup('rtc_same')).toMatchObject({ owner: 'same-id', epoch: 2, state: 'live', takeovers: 1 });
    });

    it('a tool call id is claimed once, across instances', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const runs = await Promise.all([
        a.claimToolCall('rtc_x', 'call_1'),
        b.claimToolCall('rtc_x', 'call_1'),
        a.claimToolCall('rtc_x', 'call_1'),
      ]);
      expect(runs.filter(Boolean)).toHaveLength(1);
      expect(await b.claimToolCall('rtc_x', 'call_2')).toBe(true);
      expect(await a.claimToolCall('rtc_y', 'call_1')).toBe(true);
    });

    it('purges ended claims, their tool claims and dead instances past the horizon', async () => {
      const a = await instance('a');
      const b = await instance('b');
      await a.claim(keys('rtc_p')).then(() => a.confirm('rtc_p', 1));
      await a.claimToolCall('rtc_p', 'call_1');
      await a.finish('rtc_p', 1);
      await a.deregister();
      clock.advance(60_000);
      await b.renew();
      expect(await b.purge(clock.epochMs() - 1_000)).toEqual({ claims: 1, instances: 1 });
      expect(await b.lookup('rtc_p')).toBeNull();
      expect(await b.claimToolCall('rtc_p', 'call_1')).toBe(true);
      expect((await b.liveInstances()).map((i) => i.instanceId)).toEqual(['b']);
    });
  });

  describe('relay', () => {
    const handlerFor =
      (callIds: Set<string>, got: [string, OperatorCommand][]) =>
      async (callId: string, command: OperatorCommand): Promise<CommandReply | null> => {
        if (!callIds.has(callId)) return null;
        got.push([callId, command]);
        return { status: 202, body: { callId, status: 'instructed' } };
      };

    it('a command sent from any instance runs on the owner, and its answer comes back', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const got: [string, OperatorCommand][] = [];
      a.onCommand(handlerFor(new Set(['rtc_c']), got));
      b.onCommand(handlerFor(new Set(), []));
      await a.claim(keys('rtc_c')).then(() => a.confirm('rtc_c', 1));
      const fromB = await b.relay('rtc_c', { action: 'say', text: 'Offer a refund.' }, { timeoutMs: 5_000 });
      expect(fromB).toEqual({ kind: 'reply', owner: 'a', reply: { status: 202, body: { callId: 'rtc_c', status: 'instructed' } } });
      const fromA = await a.relay('rtc_c', { action: 'hangup' }, { timeoutMs: 5_000 });
      expect(fromA.kind).toBe('reply');
      expect(got).toEqual([
        ['rtc_c', { action: 'say', text: 'Offer a refund.' }],
        ['rtc_c', { action: 'hangup' }],
      ]);
    });

    it('carries a command larger than one notification', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const got: [string, OperatorCommand][] = [];
      a.onCommand(handlerFor(new Set(['rtc_big']), got));
      await a.claim(keys('rtc_big')).then(() => a.confirm('rtc_big', 1));
      const text = '\u0001👋'.repeat(666); // 2,000 UTF-16 units: about 10 KB as JSON
      expect((await b.relay('rtc_big', { action: 'say', text }, { timeoutMs: 5_000 })).kind).toBe('reply');
      expect(got[0]?.[1]).toEqual({ action: 'say', text });
    });

    it('says who would own a call nobody holds: ended, unknown, or its owner dead', async () => {
      const a = await instance('a');
      const b = await instance('b');
      expect(await b.relay('rtc_none', { action: 'hangup' }, { timeoutMs: 1_000 })).toEqual({ kind: 'no_owner', claim: null });
      await a.claim(keys('rtc_e')).then(() => a.confirm('rtc_e', 1));
      await a.finish('rtc_e', 1);
      expect(await b.relay('rtc_e', { action: 'hangup' }, { timeoutMs: 1_000 })).toMatchObject({
        kind: 'no_owner',
        claim: { state: 'ended' },
      });
      await a.claim(keys('rtc_f')).then(() => a.confirm('rtc_f', 1));
      clock.advance(leaseMs + 1);
      await b.renew();
      expect(await b.relay('rtc_f', { action: 'hangup' }, { timeoutMs: 1_000 })).toMatchObject({
        kind: 'no_owner',
        claim: { owner: 'a', ownerAlive: false },
      });
    });

    it('times out when the owner does not answer', async () => {
      const a = await instance('a');
      const b = await instance('b');
      a.onCommand(() => new Promise(() => undefined)); // never answers
      await a.claim(keys('rtc_slow')).then(() => a.confirm('rtc_slow', 1));
      const outcome = b.relay('rtc_slow', { action: 'say', text: 'hello' }, { timeoutMs: 2_000 });
      await new Promise((r) => setTimeout(r, 50));
      await clock.advanceAsync(2_001);
      expect(await outcome).toEqual({ kind: 'timeout', owner: 'a' });
    });

    it('tells an instance which of its calls were taken, and peers that calls were released', async () => {
      const a = await instance('a');
      const b = await instance('b');
      const lost: string[][] = [];
      let released = 0;
      a.setEvents({ onCallsLost: (ids) => lost.push([...ids]) });
      b.setEvents({ onCallsReleased: () => released++ });
      await b.notifyTaken('a', ['rtc_1', 'rtc_2']);
      await a.notifyReleased();
      await waitUntil(() => lost.length === 1 && released === 1, 'both messages');
      expect(lost).toEqual([['rtc_1', 'rtc_2']]);
    });
  });
});
