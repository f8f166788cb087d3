import pg from 'pg';
import { migrate } from './migrations.ts';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Tables live in this schema (created when missing); default: the server's search_path. */
  schema?: string;
  maxConnections?: number;
  /** An idle connection failed (e.g. the server restarted); the pool reconnects on the next query. */
  onIdleError?: (err: Error) => void;
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return (await this.pool.query(sql, params as SqlValue[])).rows as SqlRow[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.pool.query(sql, params as SqlValue[])).rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      query: async (sql, params = []) => (await client.query(sql, params as SqlValue[])).rows as SqlRow[],
      run: async (sql, params = []) => (await client.query(sql, params as SqlValue[])).rowCount ?? 0,
    };
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connects, creates the schema when one is named, and applies the migrations. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error must not crash the process: report it, the next query reconnects.
  pool.on('error', (err) => opts.onIdleError?.(err));
  const driver = new PostgresDriver(pool);
  try {
    if (schema) await driver.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migrate(driver);
  } catch (err) {
    await driver.close();
    throw err;
  }
  return new SqlStore(driver);
}
