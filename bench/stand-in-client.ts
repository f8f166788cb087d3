import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnswerReport, ConnectionReport, StandInOptions, TakeoverReport, WindowReport } from './stand-in.ts';

const entry = fileURLToPath(new URL('./stand-in-process.ts', import.meta.url));

/** The orchestrator's handle on the stand-in process. */
export class StandInClient {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;

  constructor(command: string[]) {
    // Pinned to one core, the stand-in's parallel GC helpers would only take turns with it;
    // one-threaded GC keeps its pauses (which delay the arrivals it timestamps) short.
    const [cmd = process.execPath, ...args] = [...command, process.execPath, '--single-threaded-gc', entry];
    this.child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`stand-in: ${msg.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`stand-in exited (${code})`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call<T>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, cmd, args });
    });
  }

  init = (opts: StandInOptions) => this.call<string>('init', opts);
  setWebhookUrl = (url: string) => this.call<void>('setWebhookUrl', url);
  setWebhookUrls = (urls: string[]) => this.call<void>('setWebhookUrls', urls);
  setDelivery = (mode: 'spread' | 'all') => this.call<void>('setDelivery', mode);
  setTakeover = (on: boolean) => this.call<void>('setTakeover', on);
  resetTakeovers = () => this.call<void>('resetTakeovers');
  takeoverReport = () => this.call<TakeoverReport>('takeoverReport');
  takeoverCounts = () => this.call<Record<string, number>>('takeoverCounts');
  liveCallIds = () => this.call<string[]>('liveCallIds');
  warmWebhooks = (n: number) => this.call<void>('warmWebhooks', n);
  answerBurst = (n: number, holdMs: number) => this.call<AnswerReport>('answerBurst', n, holdMs);
  answerSteady = (rate: number, seconds: number, holdMs: number) => this.call<AnswerReport>('answerSteady', rate, seconds, holdMs);
  holdLive = (count: number, rampPerSec: number, eventsPerSec: number, timeoutMs?: number) =>
    this.call<number>('holdLive', count, rampPerSec, eventsPerSec, timeoutMs);
  transfers = (perSec: number) => this.call<void>('transfers', perSec);
  hangupAll = (timeoutMs?: number) => this.call<number>('hangupAll', timeoutMs);
  resetWindow = () => this.call<void>('resetWindow');
  report = () => this.call<WindowReport>('report');
  connectionReport = () => this.call<ConnectionReport>('connectionReport');

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call('close').catch(() => {});
    await this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
