// After a GPT-Live call that was stored ends, its recording is downloaded (GET
// /v1/live/sessions/{id}/content) into DATA_DIR/recordings, off the call path: a queue with
// a few downloads at a time, each retried with backoff (the content may not be ready at once).
import { Readable } from 'node:stream';
import type { CallEvent } from '../calls/call-events.ts';
import type { Logger } from '../log/logger.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { RecordingFiles } from './recording-files.ts';

export interface RecordingDownloaderOptions {
  files: RecordingFiles;
  /** The SDK's client.live.sessions.downloadRecording: a binary Response (throws APIError on non-2xx). */
  download(sessionId: string): Promise<Response>;
  log: Logger;
  clock?: Clock;
  /** Tries per recording (default 8: about four minutes with the default backoff). */
  attempts?: number;
  /** Wait after the call ends before the first try (default 2 s: the session is finalised first). */
  firstDelayMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  concurrency?: number;
  onResult?: (result: 'saved' | 'failed', callId: string) => void;
}

export class RecordingDownloader {
  private readonly opts: RecordingDownloaderOptions;
  private readonly clock: Clock;
  /** Calls accepted with store: true, until they end. */
  private readonly recorded = new Set<string>();
  private readonly queue: { callId: string; attempt: number }[] = [];
  /** Downloads waiting for their (next) try. */
  private readonly timers = new Map<Timer, { callId: string; attempt: number }>();
  private running = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(opts: RecordingDownloaderOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** A call-event listener: synchronous and memory-only, like every listener on the call path. */
  readonly observe = (event: CallEvent): void => {
    if (event.type === 'call.accepted' && event.recording) this.recorded.add(event.callId);
    else if (event.type === 'call.ended' && this.recorded.delete(event.callId))
      this.later(event.callId, 1, this.opts.firstDelayMs ?? 2_000);
  };

  /** A recorded call this process controls without having accepted it (taken back after a restart or from another instance). */
  track(callId: string): void {
    this.recorded.add(callId);
  }

  /** The call went on at another instance: its recording is fetched there. */
  forget(callId: string): void {
    this.recorded.delete(callId);
  }

  /** Downloads this call's recording (also for a call this process did not see end). */
  enqueue(callId: string): void {
    this.later(callId, 1, 0);
  }

  /** Nothing queued or running (tests). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Shutdown: whatever waits for its retry goes now; up to `timeoutMs` for them all, then close(). */
  async drain(timeoutMs: number): Promise<void> {
    // Each gets one last try now.
    for (const [timer, job] of this.timers) {
      timer.cancel();
      this.queue.push({ callId: job.callId, attempt: this.opts.attempts ?? 8 });
    }
    this.timers.clear();
    this.pump();
    let timer: Timer | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, timeoutMs)))]);
    timer?.cancel();
    this.close();
  }

  /** Stops retrying; a download in flight finishes. What is left is logged: it can be fetched by hand. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.keys()) timer.cancel();
    const left = this.timers.size + this.queue.length;
    this.timers.clear();
    this.queue.length = 0;
    if (left > 0) this.opts.log.warn({ recordings: left }, 'recordings not downloaded before shutdown');
    this.settle();
  }

  private later(callId: string, attempt: number, delayMs: number): void {
    if (this.closed) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.queue.push({ callId, attempt });
      this.pump();
    }, delayMs);
    this.timers.set(timer, { callId, attempt });
  }

  private pump(): void {
    while (!this.closed && this.running < (this.opts.concurrency ?? 2)) {
      const next = this.queue.shift();
      if (!next) break;
      this.running++;
      void this.run(next.callId, next.attempt).finally(() => {
        this.running--;
        this.pump();
        this.settle();
      });
    }
  }

  private settle(): void {
    if (this.running > 0 || this.queue.length > 0 || this.timers.size > 0) return;
    for (const resolve of [...this.idle]) resolve();
    this.idle.clear();
  }

  private async run(callId: string, attempt: number): Promise<void> {
    const { log } = this.opts;
    try {
      const res = await this.opts.download(callId);
      if (!res.body) throw new Error('the recording came back empty');
      const bytes = await this.opts.files.write(callId, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream));
      if (bytes === 0) throw new Error('the recording came back empty');
      log.info({ callId, bytes, attempt }, 'call recording saved');
      this.opts.onResult?.('saved', callId);
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      const attempts = this.opts.attempts ?? 8;
      if (attempt >= attempts || status === 401 || status === 403) {
        log.error({ callId, attempt, status, err: (err as Error).message }, 'call recording not downloaded: giving up');
        this.opts.onResult?.('failed', callId);
        return;
      }
      const delayMs = backoffMs(attempt, this.opts.backoff ?? { baseMs: 2_000, maxMs: 60_000 });
      log.warn({ callId, attempt, status, delayMs, err: (err as Error).message }, 'call recording download failed, retrying');
      this.later(callId, attempt + 1, delayMs);
    }
  }
}
