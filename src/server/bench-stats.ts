import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';

export const benchStatsPath = '/internal/bench-stats';

export interface BenchStats {
  liveCalls: number;
  /** Since the last reset. Lag is how late a timer due every resolutionMs fired. */
  loopLag: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number; samples: number; resolutionMs: number };
  /** CPU since the last reset: percent of one core. */
  cpu: { userMs: number; systemMs: number; windowMs: number; percent: number };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** Whether a full GC ran just before memory was read (needs node --expose-gc). */
  gcRan: boolean;
}

export interface BenchStatsDeps {
  liveCalls: () => number;
  resolutionMs?: number;
  /** Defaults to globalThis.gc, present only under --expose-gc. */
  gc?: (() => void) | undefined;
  now?: () => number;
  cpuUsage?: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage;
  memoryUsage?: () => NodeJS.MemoryUsage;
}

export interface BenchStatsProbe {
  read(opts: { gc: boolean; reset: boolean }): BenchStats;
  stop(): void;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Process figures for the benchmark: off unless BENCH_STATS is set. */
export function createBenchStats(deps: BenchStatsDeps): BenchStatsProbe {
  const resolutionMs = deps.resolutionMs ?? 10;
  const now = deps.now ?? performance.now.bind(performance);
  const cpuUsage = deps.cpuUsage ?? ((previous?: NodeJS.CpuUsage) => process.cpuUsage(previous));
  const memoryUsage = deps.memoryUsage ?? (() => process.memoryUsage());
  const gc = 'gc' in deps ? deps.gc : (globalThis as { gc?: () => void }).gc;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let cpuFrom = cpuUsage();
  let windowFrom = now();
  // The histogram records whole timer intervals; the lag is what exceeds the resolution.
  const lag = (ns: number) => (histogram.count === 0 ? 0 : round(Math.max(0, ns / 1e6 - resolutionMs)));

  return {
    read({ gc: runGc, reset }) {
      const cpu = cpuUsage(cpuFrom);
      const windowMs = now() - windowFrom;
      if (runGc && gc) gc();
      const mem = memoryUsage();
      const stats: BenchStats = {
        liveCalls: deps.liveCalls(),
        loopLag: {
          p50Ms: lag(histogram.percentile(50)),
          p99Ms: lag(histogram.percentile(99)),
          maxMs: lag(histogram.max),
          meanMs: lag(histogram.mean),
          samples: histogram.count,
          resolutionMs,
        },
        cpu: {
          userMs: round(cpu.user / 1000),
          systemMs: round(cpu.system / 1000),
          windowMs: round(windowMs),
          percent: windowMs > 0 ? round(((cpu.user + cpu.system) / 1000 / windowMs) * 100) : 0,
        },
        memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, arrayBuffers: mem.arrayBuffers },
        gcRan: Boolean(runGc && gc),
      };
      if (reset) {
        histogram.reset();
        cpuFrom = cpuUsage();
        windowFrom = now();
      }
      return stats;
    },
    stop() {
      histogram.disable();
    },
  };
}

/** GET /internal/bench-stats[?gc=1][&reset=1]: reads the figures, optionally after a GC, optionally starting a new window. */
export function registerBenchStats(app: FastifyInstance, probe: BenchStatsProbe): void {
  app.get<{ Querystring: { gc?: string; reset?: string } }>(benchStatsPath, async (req) =>
    probe.read({ gc: req.query.gc === '1', reset: req.query.reset === '1' }),
  );
  app.addHook('onClose', async () => probe.stop());
}
