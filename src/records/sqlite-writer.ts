import { Worker } from 'node:worker_threads';
import { within } from '../server/within.ts';
import type { WriterReply, WriterRequest, WriterStatement } from './sqlite-writer-thread.ts';

export type { WriterStatement };

/** Starts the writer thread on the file; tests pass one that dies. */
export type StartWriter = (path: string, autocheckpoint: boolean) => Worker;

export const startWriterThread: StartWriter = (path, autocheckpoint) =>
  new Worker(new URL('./sqlite-writer-thread.ts', import.meta.url), { workerData: { role: 'sqlite-writer', path, autocheckpoint } });

/**
 * The main thread's handle on the records writer thread. A write resolves once its rows are
 * committed; the thread holds the process open only while a write is in flight. If the thread
 * dies, `alive` turns false and what was in flight is refused (the recorder retries it).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve();
      else waiting.reject(new Error(reply.message));
    });
    let failure: Error | null = null;
    worker.on('error', (err: unknown) => (failure = err instanceof Error ? err : new Error(String(err)))); // told with the exit below
    this.exit = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.exited = true;
        // The recorder logs it with the failed write and retries; the next batches are written on the loop.
        const why = failure ? `: ${failure.message}` : ` (exit code ${code})`;
        for (const waiting of this.pending.values()) waiting.reject(new Error(`the records writer thread stopped${why}`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  get alive(): boolean {
    return !this.exited;
  }

  write(groups: WriterStatement[][]): Promise<void> {
    if (this.exited) return Promise.reject(new Error('the records writer thread is not running'));
    const id = ++this.nextId;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const sqls: string[] = [];
    const index = new Map<string, number>();
    const numbered = groups.map((group) =>
      group.map(([sql, params]): [number, WriterStatement[1]] => {
        let i = index.get(sql);
        if (i === undefined) index.set(sql, (i = sqls.push(sql) - 1));
        return [i, params];
      }),
    );
    this.worker.ref();
    this.post({ type: 'write', id, sqls, groups: numbered });
    return done;
  }

  /** The checkpointer is gone: the writer's own commits checkpoint again. */
  autocheckpoint(): void {
    if (!this.exited) this.post({ type: 'autocheckpoint' });
  }

  /**
   * Lets the writes in flight finish, then stops the thread and its connection. A thread stuck
   * past `graceMs` (a disk that no longer answers) is terminated: shutdown does not wait on it.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.worker.ref();
    this.post({ type: 'close' });
    if (!(await within(this.exit, graceMs))) await this.worker.terminate();
    await this.exit;
  }

  private post(msg: WriterRequest): void {
    this.worker.postMessage(msg);
  }
}
