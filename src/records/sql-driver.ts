export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

/** Runs SQL written with PostgreSQL placeholders (`$1`, `$2`…); the SQLite driver maps them. */
export interface SqlExecutor {
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * SQLite's one connection: a read run at once, not queued behind a transaction that is waiting
   * between its statements (a records batch yields to the loop while it writes). It sees that
   * transaction's uncommitted rows; only for reads that tolerate it.
   */
  readNow?(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
