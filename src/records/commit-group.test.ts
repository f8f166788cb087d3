import { describe, expect, it } from 'vitest';
import { countingDriver } from '../../test/support/counting-driver.ts';
import { CommitGroup } from './commit-group.ts';
import type { SqlStore } from './sql-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

/** An in-memory SQLite store, its driver counting transactions. */
async function counted() {
  const store = (await openSqliteStore(':memory:')) as SqlStore;
  const { driver, transactions } = countingDriver(store.driver);
  await driver.run('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  return { driver, transactions, close: () => store.close() };
}

describe('CommitGroup', () => {
  it('commits the writes queued within its window in one transaction, each with its own row count', async () => {
    const db = await counted();
    const group = new CommitGroup(db.driver, 5);
    const results = await Promise.all([
      group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['a', 1]),
      group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['b', 2]),
      group.run('UPDATE t SET n = $2 WHERE id = $1', ['a', 10]),
      group.run('UPDATE t SET n = 0 WHERE id = $1', ['nobody']),
    ]);
    expect(results).toEqual([1, 1, 1, 0]);
    expect(db.transactions()).toBe(1);
    expect(await db.driver.query('SELECT id, n FROM t ORDER BY id')).toEqual([
      { id: 'a', n: 10 },
      { id: 'b', n: 2 },
    ]);
    await db.close();
  });

  it('a failing write rejects alone; the others commit', async () => {
    const db = await counted();
    const group = new CommitGroup(db.driver, 5);
    const [ok, bad, after] = await Promise.allSettled([
      group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['a', 1]),
      group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['b', null]), // NOT NULL
      group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['c', 3]),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: 1 });
    expect(bad.status).toBe('rejected');
    expect(after).toEqual({ status: 'fulfilled', value: 1 });
    expect((await db.driver.query('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual(['a', 'c']);
    await db.close();
  });

  it('flush commits at once, without waiting for the window', async () => {
    const db = await counted();
    const group = new CommitGroup(db.driver, 60_000);
    const write = group.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['a', 1]);
    await group.flush();
    await expect(write).resolves.toBe(1);
    expect(await db.driver.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 1 }]);
    await db.close();
  });
});
