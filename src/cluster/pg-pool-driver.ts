import pg from 'pg';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from '../records/sql-driver.ts';

export interface PgPoolOptions {
  connectionString: string;
  /** Tables live in this schema; default: the server's search_path. */
  schema?: string;
  maxConnections: number;
  /** A connect or a query that takes longer fails: a heartbeat must fail fast, not hang. */
  timeoutMs: number;
  applicationName: string;
  /** Session settings (`-c name=value`), e.g. synchronous_commit. */
  settings?: Record<string, string>;
  onIdleError?: (err: Error) => void;
}

export const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** The connection string with `-c name=value` settings added to its `options`, after the ones it has. */
export function withOptions(connectionString: string, settings: Record<string, string>): string {
  const extra = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`);
  if (extra.length === 0) return connectionString;
  const url = new URL(connectionString);
  url.searchParams.set('options', [url.searchParams.get('options') ?? '', ...extra].filter(Boolean).join(' '));
  return url.toString();
}

/**
 * The coordination's own small pool, apart from the records': a slow batch of records must
 * never hold up a heartbeat or a claim, and these queries get much shorter deadlines.
 */
export class PgPoolDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(opts: PgPoolOptions) {
    if (opts.schema !== undefined && !schemaName.test(opts.schema)) throw new TypeError(`invalid schema name: ${opts.schema}`);
    const settings = { ...(opts.schema ? { search_path: opts.schema } : {}), ...opts.settings };
    this.pool = new pg.Pool({
      // The URL's own options (say, a search_path) would override ours: both go into the URL.
      connectionString: withOptions(opts.connectionString, settings),
      max: opts.maxConnections,
      connectionTimeoutMillis: opts.timeoutMs,
      statement_timeout: opts.timeoutMs,
      query_timeout: opts.timeoutMs + 500,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      application_name: opts.applicationName,
    });
    this.pool.on('error', (err) => opts.onIdleError?.(err));
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
      // An error from the server leaves the connection usable; a timeout or a reset does not.
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
