export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;
/** One statement with its parameters. */
export type SqlStatement = [sql: string, params: SqlValue[]];

/** Runs SQL written with PostgreSQL placeholders (`$1`, `$2`…); the SQLite driver maps them. */
export interface SqlExecutor {
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** SQLite: a records writer thread is running (writeOffLoop may be used). */
  writesOffLoop?(): boolean;
  /**
   * SQLite: writes groups of statements (each group in one transaction, with others) on the records
   * writer's own thread and connection, off the event loop. Rejects if that thread is gone.
   */
  writeOffLoop?(groups: SqlStatement[][]): Promise<void>;
  close(): Promise<void>;
}
