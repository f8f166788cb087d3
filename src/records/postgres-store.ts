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
  /** Longest a connect or a query may take (default 10 s): then it fails, and its connection is thrown away. */
  timeoutMs?: number;
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
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      // The server answered with an error: roll back and reuse the connection. Anything else (a read
      // timeout, a reset) leaves it in an unknown state: destroy it, the server rolls back on its own.
      if (err instanceof pg.DatabaseError) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      else broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
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
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: timeoutMs,
    // Silence must fail, not hang: the server stops a slow statement, the client stops waiting for an
    // answer that never comes (pool.query then destroys that connection), and keepalives find dead peers.
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
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
