import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { accepted } from '../../test/support/call-event-fixtures.ts';
import { CallState } from './call-state.ts';
import { openSqliteStore, type SqliteOptions } from './sqlite-store.ts';
import { emptyBatch } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-sql-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('batch writes on a synchronous driver (SQLite)', () => {
  it('give the event loop turns during a large batch, and write all of it', async () => {
    const store = await openSqliteStore(join(dir, 'switchboard.db'));
    const batch = emptyBatch();
    const at = new Date().toISOString();
    const call = new CallState('rtc_big', at);
    call.apply(accepted('rtc_big'), Date.now());
    batch.calls.push(call.snapshot());
    for (let seq = 1; seq <= 20_000; seq++)
      batch.events.push({ callId: 'rtc_big', entry: { seq, at, type: 'transcript', data: { text: `turn ${seq}` } } });
    let turns = 0;
    const timer = setInterval(() => void turns++, 0);
    try {
      await store.writeBatch(batch);
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThan(0);
    expect((await store.getCall('rtc_big'))?.timeline).toHaveLength(20_000);
    await store.close();
  });
});

describe('reads on SQLite (one connection)', () => {
  it('wait for a batch in progress, so they never see its rows before the commit', async () => {
    const store = await openSqliteStore(join(dir, 'reads.db'));
    const batch = emptyBatch();
    const at = new Date().toISOString();
    const call = new CallState('rtc_read', at);
    call.apply(accepted('rtc_read'), Date.now());
    batch.calls.push(call.snapshot());
    for (let seq = 1; seq <= 5_000; seq++)
      batch.events.push({ callId: 'rtc_read', entry: { seq, at, type: 'transcript', data: { text: `turn ${seq}` } } });
    let writing = true;
    const written = store.writeBatch(batch).finally(() => (writing = false));
    // A read on each of the first turns the batch gives the event loop.
    const reads: Array<Promise<number | null>> = [];
    while (writing && reads.length < 5) {
      reads.push(store.getCall('rtc_read').then((c) => c?.timeline.length ?? null));
      await new Promise((r) => setImmediate(r));
    }
    await written;
    expect(reads.length).toBeGreaterThan(1); // some were made mid-batch
    expect(new Set(await Promise.all(reads))).toEqual(new Set([5_000]));
    await store.close();
  });
});

describe('a batch of many calls on SQLite', () => {
  it('commits a few calls at a time, yielding between commits: a reader sees each call whole or not yet', async () => {
    const store = await openSqliteStore(join(dir, 'many.db'));
    const batch = emptyBatch();
    const at = new Date().toISOString();
    const ids = Array.from({ length: 400 }, (_, i) => `rtc_many_${i}`);
    for (const id of ids) {
      const call = new CallState(id, at);
      call.apply(accepted(id), Date.now());
      batch.calls.push(call.snapshot());
      for (let seq = 1; seq <= 40; seq++)
        batch.events.push({ callId: id, entry: { seq, at, type: 'transcript', data: { text: `turn ${seq}` } } });
    }
    const commits: number[] = [];
    let writing = true;
    const driver = (store as unknown as { driver: { transaction: (fn: unknown) => Promise<unknown> } }).driver;
    const transaction = driver.transaction.bind(driver);
    driver.transaction = (fn) => transaction(fn).finally(() => commits.push(commits.length));
    const written = store.writeBatch(batch).finally(() => (writing = false));
    const seen: Array<number | null> = [];
    while (writing) {
      // The last call of the batch: absent until its commit, then whole.
      seen.push((await store.getCall(ids.at(-1)!))?.timeline.length ?? null);
      await new Promise((r) => setImmediate(r));
    }
    await written;
    expect(commits.length).toBeGreaterThan(1);
    expect(seen.length).toBeGreaterThan(1);
    expect(new Set(seen.filter((n) => n !== null))).toEqual(new Set(seen.includes(40) ? [40] : []));
    for (const id of [ids[0]!, ids[200]!, ids.at(-1)!]) expect((await store.getCall(id))?.timeline).toHaveLength(40);
    await store.close();
  });
});

describe('SQLite checkpoints', () => {
  async function writeBatches(
    path: string,
    { before, pauseMs = 0, ...opts }: SqliteOptions & { before?: () => Promise<unknown>; pauseMs?: number },
  ): Promise<{ walBytes: number; written: number; store: Awaited<ReturnType<typeof openSqliteStore>> }> {
    const store = await openSqliteStore(path, opts);
    await before?.();
    const at = new Date().toISOString();
    let seq = 0;
    let written = 0;
    for (let b = 0; b < 20; b++) {
      const batch = emptyBatch();
      for (let i = 0; i < 1000; i++)
        batch.events.push({ callId: 'rtc_wal', entry: { seq: ++seq, at, type: 'transcript', data: { text: 'x'.repeat(800) } } });
      await store.writeBatch(batch);
      written += 1000 * 800;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs)); // the checkpointer's turn
    }
    return { walBytes: statSync(`${path}-wal`).size, written, store };
  }

  it('never run inside a commit (the WAL grows when the checkpointer is idle)', async () => {
    const { walBytes, written, store } = await writeBatches(join(dir, 'idle.db'), { checkpointEveryMs: 3_600_000 });
    expect(walBytes).toBeGreaterThan(written);
    await store.close();
  });

  it('run on their own thread, keeping the WAL small, and leave none behind at close', async () => {
    const path = join(dir, 'busy.db');
    const { walBytes, written, store } = await writeBatches(path, { checkpointEveryMs: 20, pauseMs: 60 });
    expect(walBytes).toBeLessThan(written / 2); // idle, it outgrows everything written
    await store.close();
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
  });

  it('happen in commits again when the checkpointer dies', async () => {
    let died: Promise<unknown> = Promise.resolve();
    const startCheckpointer = () => {
      const worker = new Worker(`throw new Error('checkpointer failed')`, { eval: true });
      died = new Promise((resolve) => worker.once('exit', resolve));
      return worker;
    };
    const path = join(dir, 'dead.db');
    const { walBytes, written, store } = await writeBatches(path, { startCheckpointer, before: () => died });
    expect(walBytes).toBeLessThan(written / 2);
    await store.close();
  });
});
