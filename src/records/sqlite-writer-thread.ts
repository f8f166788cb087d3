// The records writer's thread: its own connection to the SQLite file, so a batch of thousands of
// rows (and its commit, which writes every page it changed) never holds the event loop. Each
// message is a batch as groups of statements, one call's rows per group; groups are committed a
// few ms at a time so the main connection's own writes (claims, the outbox) wait little for the lock.

import { setPriority } from 'node:os';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { toSqlite } from './sqlite-placeholders.ts';

export type WriterStatement = [sql: string, params: SQLInputValue[]];
/** A write as posted: each statement names its SQL by index into `sqls` (a batch repeats a few long texts thousands of times). */
export type WriterRequest =
  | { type: 'write'; id: number; sqls: string[]; groups: Array<Array<[sql: number, params: SQLInputValue[]]>> }
  | { type: 'autocheckpoint' }
  | { type: 'close' };
export type WriterReply = { id: number; ok: true } | { id: number; ok: false; message: string };

/** The writer's nice value (0 is the loop's; 19 the lowest). */
const writerNice = 10;

/** Statement time per transaction of a records batch (here and on the loop): the lock is never held much longer. */
export const transactionSliceMs = 4;

function serve(port: NonNullable<typeof parentPort>, path: string, autocheckpoint: boolean): void {
  // Below the event loop's priority: on a core the two share, the loop (answers, events) preempts
  // a long batch instead of waiting out the scheduler's slice. Linux keeps nice per thread, and
  // pid 0 is this thread; elsewhere it may apply to the process or fail, so it is Linux only.
  if (process.platform === 'linux') {
    try {
      setPriority(writerNice);
    } catch {
      // not allowed here: the writer runs at the loop's priority
    }
  }
  const db = new DatabaseSync(path, { timeout: 5_000 });
  db.exec(`PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${autocheckpoint ? 1000 : 0};`);
  const statements = new Map<string, StatementSync>();
  const statement = (sql: string): StatementSync => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(toSqlite(sql))));
    return stmt;
  };
  const write = ({ sqls, groups }: Extract<WriterRequest, { type: 'write' }>): void => {
    const prepared = sqls.map(statement);
    let next = 0;
    while (next < groups.length) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const from = performance.now();
        do for (const [sql, params] of groups[next++]!) prepared[sql]!.run(...params);
        while (next < groups.length && performance.now() - from < transactionSliceMs);
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    }
  };
  port.on('message', (msg: WriterRequest) => {
    if (msg.type === 'close') {
      statements.clear();
      db.close();
      port.close();
    } else if (msg.type === 'autocheckpoint') {
      db.exec('PRAGMA wal_autocheckpoint = 1000');
    } else {
      try {
        write(msg);
        port.postMessage({ id: msg.id, ok: true } satisfies WriterReply);
      } catch (err) {
        port.postMessage({ id: msg.id, ok: false, message: (err as Error).message } satisfies WriterReply);
      }
    }
  });
}

if (parentPort && (workerData as { role?: string } | null)?.role === 'sqlite-writer') {
  const data = workerData as { path: string; autocheckpoint: boolean };
  serve(parentPort, data.path, data.autocheckpoint);
}
