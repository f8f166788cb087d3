import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { benchStatsPath, createBenchStats } from './bench-stats.ts';
import { buildSwitchboard } from './build-switchboard.ts';

const env = { OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==', REFER_TO: '+19195554321' };

function server(extra: Record<string, string>) {
  const config = loadConfig({ ...env, ...extra });
  return buildSwitchboard(config, { log: pino({ level: 'silent' }), store: null, transport: new FakeControlTransport() });
}

describe('bench stats', () => {
  it('is not exposed unless BENCH_STATS is set', async () => {
    const s = await server({});
    const res = await s.app.inject({ method: 'GET', url: benchStatsPath });
    expect(res.statusCode).toBe(404);
    await s.shutdown();
  });

  it('reports live calls, loop lag, CPU and memory when BENCH_STATS=true', async () => {
    const s = await server({ BENCH_STATS: 'true' });
    const res = await s.app.inject({ method: 'GET', url: `${benchStatsPath}?reset=1` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.liveCalls).toBe(0);
    expect(body.loopLag).toMatchObject({ resolutionMs: 10 });
    expect(body.memory.rss).toBeGreaterThan(0);
    expect(body.cpu.percent).toBeGreaterThanOrEqual(0);
    await s.shutdown();
  });

  it('runs the GC only when asked and available, and starts a new CPU window on reset', () => {
    let gcs = 0;
    let t = 0;
    let cpuCalls = 0;
    const probe = createBenchStats({
      liveCalls: () => 3,
      gc: () => void gcs++,
      now: () => t,
      cpuUsage: (prev?: NodeJS.CpuUsage) => {
        cpuCalls++;
        const total = { user: 500_000, system: 0 };
        return prev
          ? { user: total.user - prev.user, system: total.system - prev.system }
          : { user: cpuCalls === 1 ? 0 : total.user, system: 0 };
      },
      memoryUsage: () => ({ rss: 10, heapUsed: 5, heapTotal: 6, external: 1, arrayBuffers: 0 }),
    });
    t = 1000;
    const first = probe.read({ gc: false, reset: true });
    expect(gcs).toBe(0);
    expect(first.gcRan).toBe(false);
    expect(first.cpu).toMatchObject({ userMs: 500, windowMs: 1000, percent: 50 });
    expect(first.liveCalls).toBe(3);
    t = 2000;
    const second = probe.read({ gc: true, reset: false });
    expect(gcs).toBe(1);
    expect(second.gcRan).toBe(true);
    expect(second.cpu).toMatchObject({ userMs: 0, windowMs: 1000, percent: 0 });
    const noGc = createBenchStats({ liveCalls: () => 0, gc: undefined });
    expect(noGc.read({ gc: true, reset: false }).gcRan).toBe(false);
    noGc.stop();
    probe.stop();
  });
});
