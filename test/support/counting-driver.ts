import type { SqlDriver, SqlExecutor } from '../../src/records/sql-driver.ts';

/** A SQL driver that counts the transactions run through it: how many commits a path costs. */
export function countingDriver(inner: SqlDriver): { driver: SqlDriver; transactions: () => number } {
  let transactions = 0;
  const driver: SqlDriver = {
    dialect: inner.dialect,
    query: (sql, params) => inner.query(sql, params),
    run: (sql, params) => inner.run(sql, params),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => {
      transactions++;
      return inner.transaction(fn);
    },
    close: () => inner.close(),
  };
  return { driver, transactions: () => transactions };
}
