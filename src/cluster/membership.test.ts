import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import type { Coordination, TakenCall } from './coordination.ts';
import { Membership } from './membership.ts';
import { openSqliteCoordination } from './open-coordination.ts';

const log = createLogger('silent');
const heartbeatMs = 1_000;
const leaseMs = 4_000;

describe('Membership', () => {
  let dir: string;
  let store: SqlStore;
  let clock: ManualClock;
  const members: Membership[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-member-'));
    store = (await openSqliteStore(join(dir, 'db.sqlite'))) as SqlStore;
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const coordination = (id: string) =>
    openSqliteCoordination({ driver: store.driver, instanceId: id, leaseMs, log, clock, soleInstance: false });

  function member(c: Coordination, local: Set<string> = new Set()) {
    const taken: TakenCall[] = [];
    const lost: string[] = [];
    const counts = { renewed: 0, failed: 0 };
    const m = new Membership({
      coordination: c,
      heartbeatMs,
      leaseMs,
      acceptGraceMs: 5_000,
      log,
      clock,
      localCalls: () => [...local],
      onTakenOver: (calls) => taken.push(...calls),
      onLost: (ids) => lost.push(...ids),
      onRenewed: () => counts.renewed++,
      onRenewFailed: () => counts.failed++,
    });
    members.push(m);
    return { m, taken, lost, counts, local };
  }

  const live = async (c: Coordination, callId: string) => {
    await c.claim({ callId, correlationKey: null });
    await c.confirm(callId, 1);
  };

  it('renews every heartbeat and takes over the calls of an instance that stopped renewing', async () => {
    const a = coordination('a');
    const b = member(coordination('b'));
    await a.register();
    await live(a, 'rtc_1');
    await live(a, 'rtc_2');
    await b.m.start();
    expect(b.m.healthy).toBe(true);
    await clock.advanceAsync(3 * heartbeatMs);
    expect(b.counts.renewed).toBeGreaterThanOrEqual(3);
    expect(b.taken).toEqual([]);
    await clock.advanceAsync(leaseMs);
    expect(b.taken.map((t) => t.callId).sort()).toEqual(['rtc_1', 'rtc_2']);
    expect(await a.ownedCalls()).toEqual(new Map());
  });

  it('on start, takes over at once what an earlier process on the same file left (one process owns SQLite)', async () => {
    const before = coordination('before-restart');
    await before.register();
    await live(before, 'rtc_3');
    const after = member(openSqliteCoordination({ driver: store.driver, instanceId: 'after-restart', leaseMs, log, clock }));
    await after.m.start();
    expect(after.taken).toMatchObject([{ callId: 'rtc_3', previousOwner: 'before-restart', why: 'lost' }]);
  });

  it('counts failed renewals and is not healthy while the database does not answer; the lease is held until it runs out', async () => {
    const c = coordination('a');
    let down = false;
    const flaky: Coordination = Object.create(c, {
      renew: { value: () => (down ? Promise.reject(new Error('connection refused')) : c.renew()) },
    });
    const a = member(flaky);
    await a.m.start();
    down = true;
    await clock.advanceAsync(heartbeatMs);
    expect(a.counts.failed).toBe(1);
    expect(a.m.leaseHeld).toBe(true);
    await clock.advanceAsync(2 * heartbeatMs);
    expect(a.m.healthy).toBe(false);
    await clock.advanceAsync(leaseMs);
    expect(a.m.leaseHeld).toBe(false);
    down = false;
    await clock.advanceAsync(heartbeatMs);
    expect(a.m.healthy).toBe(true);
    expect(a.m.leaseHeld).toBe(true);
  });

  it('after its lease lapsed, lets go of the calls another instance took meanwhile, and keeps the others', async () => {
    const c = coordination('a');
    let down = false;
    const flaky: Coordination = Object.create(c, {
      renew: { value: () => (down ? Promise.reject(new Error('timeout')) : c.renew()) },
    });
    const a = member(flaky, new Set(['rtc_kept', 'rtc_gone']));
    await a.m.start();
    await live(c, 'rtc_kept');
    await live(c, 'rtc_gone');
    down = true;
    await clock.advanceAsync(leaseMs + heartbeatMs);
    // Meanwhile b took one (as a takeover scan would have taken both; one call ended on b first).
    const b = coordination('b');
    await b.register();
    const taken = await b.takeOver({ limit: 1, acceptGraceMs: 0 });
    expect(taken).toHaveLength(1);
    const gone = taken[0]!.callId;
    expect(a.lost).toEqual([]);
    down = false;
    await clock.advanceAsync(heartbeatMs);
    expect(a.lost).toEqual([gone]);
  });

  it('a peer telling it which calls it took makes it let go of them at once', async () => {
    const a = member(coordination('a'), new Set(['rtc_x']));
    await a.m.start();
    const b = coordination('b');
    await b.register();
    await b.notifyTaken('a', ['rtc_x']);
    for (let i = 0; i < 50 && a.lost.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(a.lost).toEqual(['rtc_x']);
  });

  it('a peer releasing calls makes it look at once, without waiting for the heartbeat; draining, it takes none', async () => {
    const a = coordination('a');
    await a.register();
    const b = member(coordination('b'));
    const c = member(coordination('c'));
    await b.m.start();
    await c.m.start();
    c.m.stopTakingOver();
    await live(a, 'rtc_h');
    await a.release();
    await a.notifyReleased();
    for (let i = 0; i < 100 && b.taken.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(b.taken).toMatchObject([{ callId: 'rtc_h', why: 'released' }]);
    expect(c.taken).toEqual([]);
  });

  it('stopping ends the lease: its calls are orphaned at once', async () => {
    const ownerSide = coordination('a');
    const a = member(ownerSide);
    await a.m.start();
    const c = coordination('b');
    await c.register();
    await live(ownerSide, 'rtc_s');
    await a.m.stop();
    members.splice(members.indexOf(a.m), 1);
    expect(a.m.healthy).toBe(false);
    expect(await c.takeOver({ limit: 10, acceptGraceMs: 0 })).toMatchObject([{ callId: 'rtc_s', previousOwner: 'a' }]);
  });

  it('restarted under its id after a kill: waits for the old lease to lapse, then takes its calls back', async () => {
    const killed = coordination('a');
    await killed.register();
    await live(killed, 'rtc_k');
    const again = member(coordination('a'));
    const started = again.m.start();
    await clock.advanceAsync(leaseMs + heartbeatMs);
    await started;
    expect(again.taken).toMatchObject([{ callId: 'rtc_k', epoch: 2, why: 'restarted' }]);
  });

  it('refuses to start while another process renews a lease under its id', async () => {
    const running = member(coordination('a'));
    await running.m.start();
    const duplicate = member(coordination('a'));
    const started = duplicate.m.start();
    const refused = expect(started).rejects.toThrow(/another process is running with the instance id a/);
    await clock.advanceAsync(leaseMs + heartbeatMs);
    await refused;
    members.splice(members.indexOf(duplicate.m), 1);
  });
});
