import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { webhookPath } from '../src/inbound/webhook-route.ts';
import type { BenchStats } from '../src/server/bench-stats.ts';
import { benchStatsPath } from '../src/server/bench-stats.ts';

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));
/** The least-work reference server (bench/least-work-server.ts): same environment, same figures endpoint. */
export const leastWorkTs = fileURLToPath(new URL('./least-work-server.ts', import.meta.url));

/**
 * The node flags `npm start` runs the server with (package.json's start script, as the Dockerfile's
 * CMD): the bench measures Switchboard as it is shipped. The least-work reference gets none.
 */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'src/main.ts') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

export interface ServerStartOptions {
  /** e.g. ['taskset', '-c', '1'], or [] */
  pin: string[];
  env: Record<string, string>;
  nodeArgs: string[];
  logFile: string;
  cwd: string;
  readyTimeoutMs?: number;
  /** The script node runs; default src/main.ts. */
  entry?: string;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function get(port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real server, `node src/main.ts` (or another entry), as its own process. */
export class ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Process spawn → first 200 from /ready. */
  readyMs = NaN;
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve();
      }),
    );
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}${webhookPath}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(opts: ServerStartOptions): Promise<ServerProcess> {
    const port = await freePort();
    const log = openSync(opts.logFile, 'a');
    const [cmd = process.execPath, ...args] = [...opts.pin, process.execPath, ...opts.nodeArgs, opts.entry ?? mainTs];
    const startedAt = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd, // no stray .env
      env: { PATH: process.env.PATH ?? '', ...opts.env, HOST: '127.0.0.1', LOCAL_PORT: String(port) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const server = new ServerProcess(port, child);
    const deadline = startedAt + (opts.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (server.exitCode !== undefined) throw new Error(`server exited with ${server.exitCode} before ready (log: ${opts.logFile})`);
      const res = await get(port, '/ready', 1000).catch(() => null);
      if (res?.status === 200) {
        server.readyMs = performance.now() - startedAt;
        return server;
      }
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server not ready after ${opts.readyTimeoutMs ?? 15_000} ms (log: ${opts.logFile})`);
      }
      await sleep(2);
    }
  }

  async stats(opts: { gc?: boolean; reset?: boolean } = {}): Promise<BenchStats> {
    const q = new URLSearchParams();
    if (opts.gc) q.set('gc', '1');
    if (opts.reset) q.set('reset', '1');
    const res = await get(this.port, `${benchStatsPath}?${q}`);
    if (res.status !== 200) throw new Error(`bench stats answered ${res.status}: is BENCH_STATS set?`);
    return JSON.parse(res.body) as BenchStats;
  }

  /** Memory after two full GCs, so that what is left is what live calls hold. */
  async settledMemory(): Promise<BenchStats> {
    await this.stats({ gc: true });
    await sleep(300);
    return this.stats({ gc: true });
  }

  async waitIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while ((await this.stats()).liveCalls > 0) {
      if (performance.now() > deadline) throw new Error('server still has live calls');
      await sleep(50);
    }
  }

  async stop(timeoutMs = 40_000): Promise<number | null> {
    if (this.exitCode === undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? null;
  }
}
