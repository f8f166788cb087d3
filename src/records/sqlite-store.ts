import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { migrate } from './migrations.ts';
import type { SqlDriver, SqlExecutor, SqlRow, SqlStatement, SqlValue } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';
import { toSqlite } from './sqlite-placeholders.ts';
import { SqliteWriter, type StartWriter, startWriterThread } from './sqlite-writer.ts';
import type { Store } from './store.ts';

// Checkpoints the WAL from its own thread and connection. PASSIVE never blocks the writer.
const checkpointerSource = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.path, { timeout: 5000 });
const timer = setInterval(() => { try { db.exec('PRAGMA wal_checkpoint(PASSIVE)'); } catch {} }, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface SqliteOptions {
  /**
   * How often the WAL is checkpointed, off the event loop. Default 5 s: every live call rewrites
   * the same few pages each batch, and a checkpoint copies each page once however often it
   * changed, so checkpointing every batch copied five times as much (25% of a batch's CPU).
   */
  checkpointEveryMs?: number;
  /** Starts the checkpointer thread; tests pass one that dies. */
  startCheckpointer?: (path: string, everyMs: number) => Worker;
  /** Starts the records writer thread; tests pass one that dies. */
  startWriter?: StartWriter;
}

const startCheckpointer = (path: string, everyMs: number): Worker =>
  new Worker(checkpointerSource, { eval: true, workerData: { path, everyMs } });

// SQLite's own default: commits checkpoint once the WAL reaches this many pages.
const defaultAutocheckpointPages = 1000;

/**
 * node:sqlite is synchronous: each statement runs on the thread that calls it. So the
 * heavy writes leave the event loop: records batches go to a writer thread with its own
 * connection (sqlite-writer.ts), and the WAL is checkpointed by another (SQLite's
 * automatic checkpoint copies pages back and syncs the file inside a commit, which held
 * the loop 20–50 ms every few seconds with thousands of live calls). The main
 * connection keeps the reads, the claims and the outbox.
 */
class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private readonly checkpointer: Worker | null;
  /** Writes records batches on its own connection, off the event loop (null: in memory, or it died). */
  private readonly writer: SqliteWriter | null;
  private checkpointerExited: Promise<void> = Promise.resolve();
  private closing = false;
  private lock: Promise<unknown> = Promise.resolve();
  // Runs statements at once: only for code already holding the lock.
  private readonly unlocked: SqlExecutor = {
    query: async (sql, params = []) => this.statement(sql).all(...(params as SQLInputValue[])) as SqlRow[],
    run: async (sql, params = []) => Number(this.statement(sql).run(...(params as SQLInputValue[])).changes),
  };

  constructor(path: string, opts: SqliteOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // No busy timeout: SQLite's busy handler sleeps on the event loop. A write that finds the
    // writer thread holding the lock waits for it asynchronously instead (whenUnlocked).
    this.db = new DatabaseSync(path, { timeout: 0 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    if (path === ':memory:') {
      this.checkpointer = null;
      this.writer = null;
    } else {
      this.db.exec('PRAGMA wal_autocheckpoint = 0');
      this.checkpointer = (opts.startCheckpointer ?? startCheckpointer)(path, opts.checkpointEveryMs ?? 5_000);
      this.checkpointer.unref();
      this.checkpointer.on('error', () => {}); // the exit below handles it
      this.checkpointerExited = new Promise((resolve) =>
        this.checkpointer!.once('exit', () => {
          // Without its checkpointer the WAL would grow without end: commits checkpoint again.
          if (!this.closing && this.db.isOpen) this.db.exec(`PRAGMA wal_autocheckpoint = ${defaultAutocheckpointPages}`);
          if (!this.closing) this.writer?.autocheckpoint();
          resolve();
        }),
      );
      this.writer = new SqliteWriter((opts.startWriter ?? startWriterThread)(path, false));
    }
  }

  private statement(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(toSqlite(sql));
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  // One connection: everything takes turns, so a statement never runs while a transaction waits
  // between two of its own (a read there would see rows not yet committed).
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn);
    this.lock = result.catch(() => undefined);
    return result;
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.whenUnlocked(() => this.unlocked.query(sql, params));
  }

  writesOffLoop(): boolean {
    return this.writer?.alive === true && !this.closing;
  }

  writeOffLoop(groups: SqlStatement[][]): Promise<void> {
    if (!this.writer) return Promise.reject(new Error('no records writer thread'));
    return this.writer.write(groups);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.whenUnlocked(() => this.unlocked.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let begun = false;
    const attempt = async () => {
      begun = false;
      this.db.exec('BEGIN IMMEDIATE'); // the write lock, or SQLITE_BUSY at once (timeout 0)
      begun = true;
      try {
        const value = await fn(this.unlocked);
        this.db.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    };
    // Only the BEGIN is tried again: a failure once `fn` ran is the transaction's own.
    return this.whenUnlocked(attempt, (err) => !begun && isBusy(err));
  }

  /**
   * Runs `fn` in its turn on this connection; while another connection (the records writer
   * thread) holds the write lock, tries again every few ms, for up to lockWaitMs. Its turn is
   * given up between tries: waiting inside it queued every other statement behind the wait, so
   * a claim's or a tool call's read sat behind a grouped write until the writer's transaction ended.
   */
  private async whenUnlocked<T>(fn: () => Promise<T>, retryable: (err: unknown) => boolean = isBusy): Promise<T> {
    const until = performance.now() + lockWaitMs;
    for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 8)) {
      const tried = await this.locked(async (): Promise<{ value: T } | null> => {
        try {
          return { value: await fn() };
        } catch (err) {
          if (retryable(err) && performance.now() < until) return null;
          throw err;
        }
      });
      if (tried) return tried.value;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  async close(): Promise<void> {
    await this.lock;
    this.closing = true;
    await this.writer?.close(); // its writes in flight first
    // Unref'd so it never holds a running process open; while close waits for it, it must, or the process could exit mid-close.
    this.checkpointer?.ref();
    this.checkpointer?.postMessage('close');
    await this.checkpointerExited;
    this.statements.clear();
    if (this.db.isOpen) {
      // What the checkpointer left: the file is complete on its own after close.
      if (this.checkpointer) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}

/** How long a write waits for the writer thread's lock before it fails as ever ("database is locked"). */
const lockWaitMs = 5_000;

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
function isBusy(err: unknown): boolean {
  return ((err as { errcode?: number }).errcode ?? 0) % 256 === 5;
}

/** Opens (creating when needed) the SQLite file and applies the migrations. */
export async function openSqliteStore(path: string, opts: SqliteOptions = {}): Promise<Store> {
  const driver = new SqliteDriver(path, opts);
  try {
    await migrate(driver);
  } catch (err) {
    await driver.close();
    throw err;
  }
  return new SqlStore(driver);
}
