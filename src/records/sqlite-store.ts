import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { migrate } from './migrations.ts';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';

// node:sqlite numbers parameters ?1, ?2…; the shared SQL uses $1, $2…
const toSqlite = (sql: string) => sql.replace(/\$(\d+)/g, '?$1');

/**
 * node:sqlite is synchronous: each statement runs on the event loop. Batches are
 * small and WAL with synchronous=NORMAL keeps a commit well under a millisecond.
 */
class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { timeout: 5_000 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  }

  private statement(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(toSqlite(sql));
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.statement(sql).all(...(params as SQLInputValue[])) as SqlRow[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return Number(this.statement(sql).run(...(params as SQLInputValue[])).changes);
  }

  // One connection: transactions take turns, so an await inside one never interleaves another's statements.
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const result = this.lock.then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this);
        this.db.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
    this.lock = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.lock;
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

/** Opens (creating when needed) the SQLite file and applies the migrations. */
export async function openSqliteStore(path: string): Promise<Store> {
  const driver = new SqliteDriver(path);
  try {
    await migrate(driver);
  } catch (err) {
    await driver.close();
    throw err;
  }
  return new SqlStore(driver);
}
