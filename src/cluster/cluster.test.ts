import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { Cluster, type LocalCalls } from './cluster.ts';
import type { Coordination } from './coordination.ts';
import { openSqliteCoordination } from './open-coordination.ts';

const log = createLogger('silent');
const calls: LocalCalls = {
  ids: () => [],
  reattach: async () => 'attached',
  detach: async () => undefined,
  lost: () => undefined,
  run: async () => null,
  flush: async () => undefined,
};
const settings = { heartbeatMs: 60_000, leaseMs: 120_000, relayTimeoutMs: 1_000, handOverTimeoutMs: 1_000, acceptDeadlineMs: 100 };

describe('Cluster, when the database cannot be reached', () => {
  let dir: string;
  let store: SqlStore;
  const clusters: Cluster[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-cluster-unit-'));
    store = (await openSqliteStore(join(dir, 'db.sqlite'))) as SqlStore;
  });
  afterEach(async () => {
    for (const c of clusters.splice(0)) await c.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An instance whose claims fail (the database went silent after it joined). */
  async function cut(id: string) {
    const coordination = openSqliteCoordination({
      driver: store.driver,
      instanceId: id,
      leaseMs: settings.leaseMs,
      log,
      soleInstance: false,
    });
    const failing: Coordination = Object.create(coordination, {
      claim: { value: () => Promise.reject(new Error('timeout')) },
      claimToolCall: { value: () => Promise.reject(new Error('timeout')) },
    });
    const cluster = new Cluster({ ...settings, coordination: failing, calls, log });
    clusters.push(cluster);
    await cluster.start();
    return cluster;
  }

  it('alone, it accepts without a claim (as one process always did) and runs tools', async () => {
    const a = await cut('a');
    expect(await a.claim({ callId: 'rtc_1', correlationKey: null })).toEqual({ kind: 'accept', epoch: null, afterCrash: false });
    expect(await a.claimToolCall('rtc_1', 'call_1')).toBe(true);
  });

  it('with another instance alive, it asks OpenAI to retry rather than risk a second accept', async () => {
    const peer = openSqliteCoordination({ driver: store.driver, instanceId: 'b', leaseMs: settings.leaseMs, log, soleInstance: false });
    await peer.register();
    const a = await cut('a');
    expect(await a.claim({ callId: 'rtc_2', correlationKey: null })).toEqual({ kind: 'retry', why: 'coordination_unavailable' });
    await peer.close();
  });
});
