import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { accepted } from '../../test/support/call-event-fixtures.ts';
import { CallState } from './call-state.ts';
import type { SqlDriver } from './sql-driver.ts';
import { openSqliteStore, type SqliteOptions } from './sqlite-store.ts';
import { emptyBatch, type Store } from './store.ts';

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

/** A batch of `calls` calls with `events` timeline entries each. */
function bigBatch(prefix: string, calls: number, events: number) {
  const batch = emptyBatch();
  const at = new Date().toISOString();
  const ids = Array.from({ length: calls }, (_, i) => `${prefix}_${i}`);
  for (const id of ids) {
    const call = new CallState(id, at);
    call.apply(accepted(id), Date.now());
    batch.calls.push(call.snapshot());
    for (let seq = 1; seq <= events; seq++)
      batch.events.push({ callId: id, entry: { seq, at, type: 'transcript', data: { text: `turn ${seq}` } } });
  }
  return { batch, ids };
}

/** Reads the call on every turn of the loop while `write` runs: what each read saw (timeline length, null: not there yet). */
async function readWhile(store: Store, callId: string, write: Promise<void>): Promise<Array<number | null>> {
  let writing = true;
  const done = write.finally(() => (writing = false));
  const seen: Array<number | null> = [];
  while (writing) {
    seen.push((await store.getCall(callId))?.timeline.length ?? null);
    await new Promise((r) => setImmediate(r));
  }
  await done;
  return seen;
}

/** The main connection's transactions, counted. */
function countTransactions(store: Store): { count: number } {
  const driver = (store as unknown as { driver: SqlDriver }).driver;
  const counter = { count: 0 };
  const transaction = driver.transaction.bind(driver);
  driver.transaction = (fn) => {
    counter.count++;
    return transaction(fn);
  };
  return counter;
}

describe('a records batch on SQLite', () => {
  it('is written by the writer thread: the loop keeps turning, readers see each call whole or not yet', async () => {
    const store = await openSqliteStore(join(dir, 'writer.db'));
    const main = countTransactions(store);
    const { batch, ids } = bigBatch('rtc_w', 400, 40);
    const seen = await readWhile(store, ids.at(-1)!, store.writeBatch(batch));
    expect(main.count).toBe(0); // none of it ran on the main connection
    expect(seen.length).toBeGreaterThan(1); // the loop turned while it was written
    expect(seen.filter((n) => n !== null && n !== 40)).toEqual([]);
    for (const id of [ids[0]!, ids[200]!, ids.at(-1)!]) expect((await store.getCall(id))?.timeline).toHaveLength(40);
    await store.close();
  });

  it('without a writer thread (it died): written here, a few calls per commit, yielding between them', async () => {
    let died!: Promise<unknown>;
    const startWriter = () => {
      const worker = new Worker('process.exit(3)', { eval: true });
      died = once(worker, 'exit');
      return worker;
    };
    const store = await openSqliteStore(join(dir, 'inline.db'), { startWriter });
    await died;
    const main = countTransactions(store);
    const { batch, ids } = bigBatch('rtc_i', 400, 40);
    const seen = await readWhile(store, ids.at(-1)!, store.writeBatch(batch));
    expect(main.count).toBeGreaterThan(1);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.filter((n) => n !== null && n !== 40)).toEqual([]);
    for (const id of [ids[0]!, ids[200]!, ids.at(-1)!]) expect((await store.getCall(id))?.timeline).toHaveLength(40);
    await store.close();
  });
});

describe('the main connection and the writer thread', () => {
  it('a writer thread that fails mid-write: that batch is refused saying why, the next is written on the loop', async () => {
    const startWriter = () =>
      new Worker(`require('node:worker_threads').parentPort.on('message', () => { throw new Error('disk on fire'); });`, { eval: true });
    const store = await openSqliteStore(join(dir, 'failing-writer.db'), { startWriter });
    const { batch, ids } = bigBatch('rtc_f', 3, 2);
    await expect(store.writeBatch(batch)).rejects.toThrow('the records writer thread stopped: disk on fire');
    await store.writeBatch(batch); // what the recorder does: the same batch again
    for (const id of ids) expect((await store.getCall(id))?.timeline).toHaveLength(2);
    await store.close();
  });

  it('a write that finds the lock held waits for it without blocking the loop, then goes through', async () => {
    const path = join(dir, 'busy.db');
    const store = await openSqliteStore(path);
    const driver = (store as unknown as { driver: SqlDriver }).driver;
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE'); // as the writer thread holds it during a commit
    let turns = 0;
    const ticking = setInterval(() => void turns++, 1);
    let done = false;
    const write = driver.run(`DELETE FROM outbox WHERE id = 'none'`).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(turns).toBeGreaterThan(5); // the loop was not held while it waited
    other.exec('COMMIT');
    await write;
    clearInterval(ticking);
    expect(done).toBe(true);
    other.close();
    await store.close();
  });
});

describe('the main connection while the lock is held elsewhere', () => {
  it('a write or transaction waiting for the lock does not hold up the statements queued after it; its own transaction stays whole', async () => {
    const path = join(dir, 'busy-queue.db');
    const store = await openSqliteStore(path);
    const driver = (store as unknown as { driver: SqlDriver }).driver;
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    const write = driver.run(
      `INSERT INTO outbox (id, call_id, type, payload, created_at, next_attempt_at) VALUES ('m1', 'c', 'call.started', '{}', 1, 1)`,
    );
    const tx = driver.transaction(async (t) => {
      await t.run(
        `INSERT INTO outbox (id, call_id, type, payload, created_at, next_attempt_at) VALUES ('m2', 'c', 'call.started', '{}', 1, 1)`,
      );
      return t.query(`SELECT id FROM outbox ORDER BY id`);
    });
    await new Promise((r) => setTimeout(r, 20));
    const read = await Promise.race([
      driver.query(`SELECT count(*) AS n FROM outbox`),
      new Promise((resolve) => setTimeout(() => resolve('queued behind the waiting writes'), 1_000)),
    ]);
    expect(read).toEqual([{ n: 0 }]);
    other.exec('COMMIT');
    await write;
    expect(await tx).toContainEqual({ id: 'm2' }); // its own insert, seen inside it
    expect(await driver.query(`SELECT id FROM outbox ORDER BY id`)).toEqual([{ id: 'm1' }, { id: 'm2' }]);
    other.close();
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
