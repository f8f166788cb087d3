import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import type { Coordination, TakenCall } from './coordination.ts';
import { handOver } from './hand-over.ts';
import { Membership } from './membership.ts';
import { openSqliteCoordination } from './open-coordination.ts';

const log = createLogger('silent');

describe('handOver', () => {
  let dir: string;
  let store: SqlStore;
  const members: Membership[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-handover-'));
    store = (await openSqliteStore(join(dir, 'db.sqlite'))) as SqlStore;
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const join_ = async (id: string, onTakenOver: (calls: readonly TakenCall[]) => void = () => undefined) => {
    const coordination = openSqliteCoordination({ driver: store.driver, instanceId: id, leaseMs: 60_000, log, soleInstance: false });
    const membership = new Membership({
      coordination,
      heartbeatMs: 60_000,
      leaseMs: 60_000,
      acceptGraceMs: 5_000,
      log,
      localCalls: () => [],
      onTakenOver,
      onLost: () => undefined,
    });
    members.push(membership);
    await membership.start();
    return { coordination, membership };
  };
  const live = async (c: Coordination, callId: string) => {
    await c.claim({ callId, correlationKey: null });
    await c.confirm(callId, 1);
  };

  it('with a peer alive: detaches, writes, releases, and the peer takes every call', async () => {
    const leaving = await join_('leaving');
    const taken: TakenCall[] = [];
    await join_('staying', (calls) => taken.push(...calls));
    await live(leaving.coordination, 'rtc_1');
    await live(leaving.coordination, 'rtc_2');
    const steps: string[] = [];
    const result = await handOver({
      coordination: leaving.coordination,
      membership: leaving.membership,
      localCalls: () => ['rtc_1', 'rtc_2'],
      detach: async (callId) => void steps.push(`detach ${callId}`),
      flush: async () => void steps.push('flush'),
      timeoutMs: 5_000,
      pollMs: 10,
      log,
    });
    expect(result).toEqual({ peers: 1, released: 2, left: 0 });
    expect(steps).toEqual(['detach rtc_1', 'detach rtc_2', 'flush']);
    expect(taken.map((t) => [t.callId, t.why]).sort()).toEqual([
      ['rtc_1', 'released'],
      ['rtc_2', 'released'],
    ]);
    expect(await leaving.coordination.lookup('rtc_1')).toMatchObject({ owner: 'staying', state: 'live' });
  });

  it('alone: does nothing and says so (the caller drains as before)', async () => {
    const alone = await join_('alone');
    await live(alone.coordination, 'rtc_3');
    const detached: string[] = [];
    const result = await handOver({
      coordination: alone.coordination,
      membership: alone.membership,
      localCalls: () => ['rtc_3'],
      detach: async (callId) => void detached.push(callId),
      flush: async () => undefined,
      timeoutMs: 1_000,
      log,
    });
    expect(result).toBeNull();
    expect(detached).toEqual([]);
    expect(await alone.coordination.lookup('rtc_3')).toMatchObject({ owner: 'alone', state: 'live' });
  });
});
