// SQLite's one process: claims cost a read on the answer path, their writes are grouped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { countingDriver } from '../../test/support/counting-driver.ts';
import { createLogger } from '../log/logger.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { openSqliteCoordination } from './open-coordination.ts';

const log = createLogger('silent');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh database file, removed after the test. */
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-sole-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
}

async function open(path: string) {
  const store = (await openSqliteStore(path)) as SqlStore;
  const { driver, transactions } = countingDriver(store.driver);
  const coordination = openSqliteCoordination({ driver, instanceId: `i-${Math.random()}`, leaseMs: 60_000, log });
  await coordination.register();
  return { store, coordination, transactions };
}

const keys = (callId: string) => ({ callId, correlationKey: `sip-${callId}` });

describe('claims on SQLite (one process owns the file)', () => {
  it('a burst of claims is won without a commit each, and written together', async () => {
    const a = await open(dbPath());
    const before = a.transactions();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => a.coordination.claim(keys(`rtc_${i}`))));
    expect(outcomes.every((o) => o.kind === 'won')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.transactions() - before).toBe(1);
    expect(await a.coordination.lookup('rtc_7')).toMatchObject({ callId: 'rtc_7', state: 'accepting', epoch: 1 });
    await a.coordination.close();
    await a.store.close();
  });

  it('a claim written before a restart is taken after it: no second accept', async () => {
    const path = dbPath();
    const a = await open(path);
    expect((await a.coordination.claim(keys('rtc_1'))).kind).toBe('won');
    expect(await a.coordination.confirm('rtc_1', 1)).toBe(true);
    await a.coordination.close(); // flushes what is grouped
    await a.store.close();
    const b = await open(path);
    const again = await b.coordination.claim(keys('rtc_1'));
    expect(again).toMatchObject({ kind: 'taken', claim: { callId: 'rtc_1', state: 'live' } });
    await b.coordination.close();
    await b.store.close();
  });

  it('a claim is answered while the records writer thread holds the write lock; its write follows', async () => {
    const path = dbPath();
    const a = await open(path);
    const writer = new DatabaseSync(path); // as the writer thread does during a commit
    writer.exec('BEGIN IMMEDIATE');
    const claimed = await Promise.race([
      a.coordination.claim(keys('rtc_busy')),
      new Promise((resolve) => setTimeout(() => resolve('waited for the lock'), 2_000)),
    ]);
    expect(claimed).toEqual({ kind: 'won', epoch: 1, afterCrash: false });
    writer.exec('COMMIT');
    writer.close();
    await a.coordination.close(); // its grouped write, once the lock is free
    expect(await a.store.driver.query(`SELECT call_id FROM call_claims`)).toEqual([{ call_id: 'rtc_busy' }]);
    await a.store.close();
  });

  it("claims and tool claims are answered while earlier claims' grouped write waits for the writer thread's lock", async () => {
    const path = dbPath();
    const a = await open(path);
    const writer = new DatabaseSync(path);
    writer.exec('BEGIN IMMEDIATE');
    expect((await a.coordination.claim(keys('rtc_first'))).kind).toBe('won');
    await new Promise((resolve) => setTimeout(resolve, 50)); // its grouped write is now trying for the lock
    const answered = await Promise.race([
      Promise.all([a.coordination.claim(keys('rtc_second')), a.coordination.claimToolCall('rtc_first', 'call_1')]),
      new Promise((resolve) => setTimeout(() => resolve('queued behind the waiting write'), 1_000)),
    ]);
    expect(answered).toEqual([{ kind: 'won', epoch: 1, afterCrash: false }, true]);
    writer.exec('COMMIT');
    writer.close();
    await a.coordination.close();
    const claimed = await a.store.driver.query(`SELECT call_id FROM call_claims ORDER BY call_id`);
    expect(claimed).toEqual([{ call_id: 'rtc_first' }, { call_id: 'rtc_second' }]);
    await a.store.close();
  });

  it('a tool call is claimed once, also while its write waits for the grouped commit, and after a restart', async () => {
    const path = dbPath();
    const a = await open(path);
    const [first, second] = await Promise.all([
      a.coordination.claimToolCall('rtc_1', 'call_abc'),
      a.coordination.claimToolCall('rtc_1', 'call_abc'),
    ]);
    expect([first, second]).toEqual([true, false]);
    expect(await a.coordination.claimToolCall('rtc_1', 'call_def')).toBe(true);
    await a.coordination.close();
    await a.store.close();
    const b = await open(path);
    expect(await b.coordination.claimToolCall('rtc_1', 'call_abc')).toBe(false);
    await b.coordination.close();
    await b.store.close();
  });
});
