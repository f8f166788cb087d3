// npm run bench: drives the real server (node src/main.ts, its own process) with a lean
// stand-in for OpenAI (its own process) over HTTPS/HTTP2 and WSS. See bench/README.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchStats } from '../src/server/bench-stats.ts';
import { makeThrowawayCert, type ThrowawayCert } from '../src/testing/throwaway-cert.ts';
import { type ClusterResult, runCluster } from './cluster.ts';
import { cpuTimes, detectPinning, machineFacts, otherProcesses, type Pinning, pinSelf } from './machine.ts';
import { leastWorkTs, ServerProcess, startNodeFlags } from './server-process.ts';
import type { AnswerReport, ConnectionReport, WindowReport } from './stand-in.ts';
import { StandInClient } from './stand-in-client.ts';
import { median } from './stats.ts';

export interface BenchOptions {
  scenarios: Array<'answer' | 'rtt' | 'soak' | 'cold' | 'cluster'>;
  /** Run answer and soak against the least-work reference (bench/least-work-server.ts) too, and report ratios to it. */
  leastWork: boolean;
  /** The window, with C calls streaming events and no transfers, over which CPU per control event is taken. */
  eventCpuSeconds: number;
  serviceDelayMs: number;
  /** Emulated round trip for the RTT burst. */
  rttMs: number;
  burst: number;
  /** Burst sizes to sweep on loopback (the burst cost per webhook is the slope of p99 over size). */
  burstSweep: number[];
  /** Calls answered (at 200/s) before the warm answer scenarios are measured. */
  warmupCalls: number;
  rate: number;
  rateSeconds: number;
  /** How long an answer-scenario call stays up before the caller hangs up. */
  holdMs: number;
  calls: number;
  eventsPerSec: number;
  soakSeconds: number;
  rampPerSec: number;
  transfersPerSec: number;
  capacityStep: number;
  capacityMax: number;
  capacitySeconds: number;
  /** Pauses for the server to settle: a full one before memory is read, shorter ones between bursts and starts. */
  settleMs: number;
  coldStarts: number;
  referenceSockets: number;
  lagLimitMs: number;
  pin: boolean;
  /** The stand-in offers HTTP/2 (as OpenAI does). */
  h2: boolean;
  logLevel: string;
  /** PostgreSQL for the records store; unset: SQLite in the temp dir. */
  databaseUrl: string | null;
  /** Extra node flags for the server, e.g. --cpu-prof. */
  serverNodeArgs: string[];
  keepLogs: boolean;
  /** Longest wait for a started server's /ready. */
  readyTimeoutMs: number;
  /** Scenarios run at a time. More than 1 only for the smoke: it checks that they run, not what they measure. */
  concurrency: number;
  /** Wait up to this many minutes for the 1-minute load average to drop below 0.5 first. */
  waitQuietMinutes: number;
  /** Cluster scenario: instances sharing PostgreSQL, live calls when one is killed, events/s per call. */
  clusterInstances: number;
  clusterCalls: number;
  clusterEvents: number;
  /** The cluster scenario's PostgreSQL (a schema of its own is made and dropped). */
  clusterDatabaseUrl: string;
}

export const defaultOptions: BenchOptions = {
  scenarios: ['answer', 'rtt', 'soak', 'cold', 'cluster'],
  leastWork: true,
  eventCpuSeconds: 10,
  serviceDelayMs: 30,
  rttMs: 40,
  burst: 100,
  burstSweep: [10, 25, 50, 100, 200],
  warmupCalls: 2000,
  rate: 100,
  rateSeconds: 10,
  holdMs: 1000,
  calls: 200,
  eventsPerSec: 10,
  soakSeconds: 30,
  rampPerSec: 250,
  transfersPerSec: 5,
  capacityStep: 500,
  capacityMax: 8000,
  capacitySeconds: 10,
  settleMs: 1000,
  coldStarts: 5,
  referenceSockets: 1000,
  lagLimitMs: 20,
  pin: true,
  h2: true,
  logLevel: 'info',
  databaseUrl: null,
  serverNodeArgs: [],
  keepLogs: false,
  readyTimeoutMs: 15_000,
  concurrency: 1,
  waitQuietMinutes: 0,
  clusterInstances: 2,
  clusterCalls: 200,
  clusterEvents: 2,
  clusterDatabaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
};

/** A few calls per scenario, seconds in all: what CI runs so the harness never rots. */
export const smokeOptions: BenchOptions = {
  ...defaultOptions,
  rttMs: 20,
  burst: 5,
  burstSweep: [2, 4],
  warmupCalls: 10,
  rate: 20,
  rateSeconds: 0.25,
  holdMs: 100,
  calls: 10,
  soakSeconds: 0.5,
  eventCpuSeconds: 0.25,
  rampPerSec: 200,
  transfersPerSec: 4,
  capacityStep: 10,
  capacityMax: 20,
  capacitySeconds: 0.25,
  settleMs: 100,
  coldStarts: 1,
  referenceSockets: 10,
  pin: false,
  readyTimeoutMs: 60_000, // beside the rest of npm test on a busy machine
  // One at a time: side by side they made each other's figures (and live-call counts) race on 2 cores.
  concurrency: 1,
  clusterCalls: 10,
};

interface AnswerScenario {
  name: string;
  rttMs: number;
  /** Measured on a just-started server (20 calls behind it), not held to the targets. */
  cold?: boolean;
  report: AnswerReport;
  server?: { loopLagP99Ms: number; cpuPercent: number };
  /** The stand-in's own loop lag adds to every figure it takes. */
  standIn?: { loopLagP99Ms: number; cpuPercent: number };
}

interface LevelResult {
  calls: number;
  live: number;
  loopLag: BenchStats['loopLag'];
  cpuPercent: number;
  standIn: WindowReport;
  held: boolean;
  why: string;
}

export type ServerKind = 'switchboard' | 'least-work';

/** Whole-process CPU (all threads) over a steady window of calls, each set up and hung up, per call. */
interface SetupCpu {
  calls: number;
  userMs: number;
  systemMs: number;
  msPerCall: number;
}

/** Whole-process CPU with C calls streaming events (no transfers), per event the stand-in delivered. */
interface EventCpu {
  calls: number;
  windowMs: number;
  events: number;
  eventsPerSec: number;
  cpuMs: number;
  usPerEvent: number;
}

interface SoakFigures {
  rampSeconds: number;
  level: LevelResult;
  eventCpu: EventCpu;
  memory: {
    baselineRss: number;
    baselineHeap: number;
    liveCalls: number;
    rssPerCallKB: number;
    heapPerCallKB: number;
    heapTotalPerCallKB: number;
    externalPerCallKB: number;
  };
  transferMs: WindowReport['transferMs'];
  /** Run once, beside Switchboard's soak; null in the least-work server's. */
  referenceTlsWsClientKB: { rssPerSocketKB: number; heapPerSocketKB: number; sockets: number } | null;
}

interface CapacityFigures {
  lastHeld: number;
  stoppedBecause: string;
  levels: LevelResult[];
}

/** One compared figure: Switchboard ÷ the least-work reference, measured in the same run. */
export interface Comparison {
  figure: string;
  unit: string;
  switchboard: number | null;
  leastWork: number | null;
  /** switchboard / leastWork, rounded to 0.01; null when either is missing or the reference's is not positive. */
  ratio: number | null;
  /** e.g. '≤ 1.0' */
  target: string;
  met: boolean | null;
  note?: string;
}

export interface BenchResult {
  ok: boolean;
  startedAt: string;
  durationS: number;
  machine: ReturnType<typeof machineFacts> & {
    loadAverageEnd: number[];
    stealPercent: number | null;
    otherProcessesAtStart: string[];
    otherProcessesAtEnd: string[];
    pinning: string;
    waitedForQuietS: number;
  };
  /** Switchboard's node flags, from npm start (the least-work reference runs with none). */
  serverNodeFlags: string[];
  callRecordStore: string;
  options: BenchOptions;
  tls: string;
  restConnections: ConnectionReport | null;
  rttRestConnections: ConnectionReport | null;
  answer: AnswerScenario[];
  /** p99 webhook → accept by burst size on loopback, and the least-squares slope: ms per webhook. */
  burstSweep: null | { sizes: Array<{ burst: number; p50: number; p99: number }>; msPerWebhook: number };
  /** Switchboard's CPU per call set-up, over the steady window. */
  setupCpu: SetupCpu | null;
  soak: null | SoakFigures;
  capacity: null | CapacityFigures;
  /** The same answer and soak scenarios against bench/least-work-server.ts, in the same run. */
  leastWork: null | { answer: AnswerScenario[]; setupCpu: SetupCpu | null; soak: SoakFigures | null; capacity: CapacityFigures | null };
  coldStart: null | { medianMs: number; runsMs: number[] };
  cluster: null | ClusterResult;
  serverLogs: Record<string, { warn: number; error: number }>;
  failures: string[];
  targets: Array<{ figure: string; target: string; value: string; met: boolean | null }>;
  comparison: Comparison[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logLevels(file: string): { warn: number; error: number } {
  if (!existsSync(file)) return { warn: 0, error: 0 };
  const text = readFileSync(file, 'utf8');
  return { warn: (text.match(/"level":40/g) ?? []).length, error: (text.match(/"level":(50|60)/g) ?? []).length };
}

function callRecordStore(opts: BenchOptions): string {
  const wired = existsSync(fileURLToPath(new URL('../src/records/open-store.ts', import.meta.url)));
  if (!wired) return 'not present on this branch: measured without it';
  return opts.databaseUrl
    ? `on: PostgreSQL at ${new URL(opts.databaseUrl).host} (DATABASE_URL), with the recorder and its batched writes in the server process`
    : 'on: SQLite (node:sqlite) in the temp dir (DATA_DIR), with the recorder and its batched writes in the server process';
}

async function waitQuiet(minutes: number, say: (line: string) => void): Promise<number> {
  const from = Date.now();
  if (minutes <= 0 || loadavg()[0]! < 0.5) return 0;
  say(`waiting up to ${minutes} min for the load average (${loadavg()[0]!.toFixed(2)}) to drop below 0.5`);
  while (loadavg()[0]! >= 0.5 && Date.now() - from < minutes * 60_000) await sleep(5_000);
  return Math.round((Date.now() - from) / 1000);
}

export async function runBench(opts: BenchOptions, say: (line: string) => void = () => {}, pinning?: Pinning): Promise<BenchResult> {
  const waitedForQuietS = await waitQuiet(opts.waitQuietMinutes, say);
  const started = Date.now();
  const steal0 = cpuTimes();
  const pin: Pinning = pinning ?? detectPinning(opts.pin);
  const cert: ThrowawayCert = makeThrowawayCert();
  const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const ourPids: Array<number | undefined> = [process.pid];
  const failures: string[] = [];
  const serverLogs: BenchResult['serverLogs'] = {};
  const result: BenchResult = {
    ok: false,
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    machine: {
      ...machineFacts(),
      loadAverageEnd: [],
      stealPercent: null,
      otherProcessesAtStart: otherProcesses(ourPids),
      otherProcessesAtEnd: [],
      pinning: pin.how,
      waitedForQuietS,
    },
    serverNodeFlags: startNodeFlags(),
    callRecordStore: callRecordStore(opts),
    options: opts,
    tls: 'stand-in serves TLS 1.3 with a throwaway ECDSA P-256 CA made by openssl; the server trusts it through NODE_EXTRA_CA_CERTS',
    restConnections: null,
    rttRestConnections: null,
    answer: [],
    burstSweep: null,
    setupCpu: null,
    soak: null,
    capacity: null,
    coldStart: null,
    cluster: null,
    leastWork: opts.leastWork ? { answer: [], setupCpu: null, soak: null, capacity: null } : null,
    serverLogs,
    failures,
    targets: [],
    comparison: [],
  };

  /** The stand-in every scenario starts: same certificate, keys, service delay and protocol; its own round trip. */
  const standInOptions = (rttMs: number) => ({
    key: cert.key,
    cert: cert.cert,
    apiKey,
    webhookSecret,
    serviceDelayMs: opts.serviceDelayMs,
    rttMs,
    h2: opts.h2,
  });

  const serverEnv = (baseURL: string, stats = true): Record<string, string> => ({
    OPENAI_API_KEY: apiKey,
    OPENAI_WEBHOOK_SECRET: webhookSecret,
    OPENAI_BASE_URL: baseURL,
    REFER_TO: '+19195554321',
    LOG_LEVEL: opts.logLevel,
    DRAIN_TIMEOUT_MS: '2000',
    NODE_EXTRA_CA_CERTS: cert.caPath,
    DATA_DIR: join(cert.dir, 'data'),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(stats ? { BENCH_STATS: 'true' } : {}),
  });

  async function withStack<T>(
    name: string,
    rttMs: number,
    fn: (s: StandInClient, server: ServerProcess, baseURL: string) => Promise<T>,
    kind: ServerKind = 'switchboard',
  ): Promise<T> {
    const standIn = new StandInClient(pin.standIn);
    ourPids.push(standIn.pid);
    const logFile = join(cert.dir, `server-${name}.log`);
    let server: ServerProcess | null = null;
    try {
      const baseURL = await standIn.init(standInOptions(rttMs));
      server = await ServerProcess.start({
        pin: pin.server,
        env: serverEnv(baseURL),
        nodeArgs: ['--expose-gc', ...(kind === 'least-work' ? [] : startNodeFlags()), ...opts.serverNodeArgs],
        logFile,
        cwd: cert.dir,
        readyTimeoutMs: opts.readyTimeoutMs,
        ...(kind === 'least-work' ? { entry: leastWorkTs } : {}),
      });
      ourPids.push(server.pid);
      await standIn.setWebhookUrl(server.webhookUrl);
      return await fn(standIn, server, baseURL);
    } finally {
      const code = await server?.stop();
      if (server && code !== 0) failures.push(`${name}: server exited with ${code}`);
      await standIn.close();
      serverLogs[name] = logLevels(logFile);
      if (serverLogs[name].error > 0) failures.push(`${name}: ${serverLogs[name].error} error lines in the server log`);
    }
  }

  const noteAnswer = (a: AnswerScenario, into: AnswerScenario[] = result.answer, who = '') => {
    into.push(a);
    if (a.report.failed > 0 || a.report.duplicateAccepts > 0)
      failures.push(
        `${who}${a.name}: ${a.report.failed} failed, ${a.report.duplicateAccepts} duplicate accepts; ${a.report.failures.join('; ')}`,
      );
    const r = a.report.acceptAfterWebhookMs;
    say(
      `  ${who}${a.name}: webhook→accept p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} max ${r.max} ms; failed ${a.report.failed}, duplicates ${a.report.duplicateAccepts}; sent over ${a.report.sendSpreadMs} ms`,
    );
  };

  // Calls answered at 200/s, each up for 200 ms: what a server that has been running has behind it.
  const warmUp = async (standIn: StandInClient, server: ServerProcess) => {
    if (opts.warmupCalls <= 0) return;
    const r = await standIn.answerSteady(200, opts.warmupCalls / 200, 200);
    if (r.failed > 0 || r.duplicateAccepts > 0) failures.push(`warm-up: ${r.failed} failed, ${r.duplicateAccepts} duplicates`);
    await server.waitIdle();
  };

  try {
    const answerOn = async (kind: ServerKind) => {
      const sb = kind === 'switchboard';
      const who = sb ? '' : 'least-work: ';
      const into = sb ? result.answer : result.leastWork!.answer;
      say(`answer: burst and steady rate, loopback, ${sb ? 'Switchboard' : 'least-work reference'}`);
      await withStack(
        sb ? 'answer' : 'answer-least-work',
        0,
        async (standIn, server) => {
          await standIn.warmWebhooks(Math.max(opts.burst, 32));
          // First a burst on a just-started server (20 calls since start), then one on a server
          // that has been running: pools open and the call path optimized by the JIT.
          await standIn.answerSteady(100, 0.2, 100);
          await server.waitIdle();
          noteAnswer(
            { name: `burst ${opts.burst}, fresh server`, rttMs: 0, cold: true, report: await standIn.answerBurst(opts.burst, opts.holdMs) },
            into,
            who,
          );
          await server.waitIdle();
          await warmUp(standIn, server);
          noteAnswer({ name: `burst ${opts.burst}`, rttMs: 0, report: await standIn.answerBurst(opts.burst, opts.holdMs) }, into, who);
          await server.waitIdle();
          if (opts.rate > 0) {
            await server.stats({ reset: true });
            await standIn.resetWindow();
            const report = await standIn.answerSteady(opts.rate, opts.rateSeconds, opts.holdMs);
            const s = await server.stats(); // lag and CPU% over the window of arrivals
            const own = (await standIn.report()).standIn;
            // CPU per call set-up: the same window, until the last call has hung up.
            await server.waitIdle();
            const all = await server.stats({ reset: true });
            const setup: SetupCpu = {
              calls: report.calls,
              userMs: all.cpu.userMs,
              systemMs: all.cpu.systemMs,
              msPerCall: Math.round(((all.cpu.userMs + all.cpu.systemMs) / Math.max(1, report.calls)) * 1000) / 1000,
            };
            if (sb) result.setupCpu = setup;
            else result.leastWork!.setupCpu = setup;
            noteAnswer(
              {
                name: `steady ${opts.rate}/s for ${opts.rateSeconds} s`,
                rttMs: 0,
                report,
                server: { loopLagP99Ms: s.loopLag.p99Ms, cpuPercent: s.cpu.percent },
                standIn: { loopLagP99Ms: own.loopLagP99Ms, cpuPercent: own.cpuPercent },
              },
              into,
              who,
            );
            say(
              `  ${who}CPU per call set-up: ${setup.msPerCall} ms (${Math.round((setup.userMs + setup.systemMs) * 10) / 10} ms over ${setup.calls} calls)`,
            );
          }
          if (!sb) return;
          const sizes: Array<{ burst: number; p50: number; p99: number }> = [];
          for (const n of opts.burstSweep) {
            await standIn.warmWebhooks(n);
            const r = await standIn.answerBurst(n, 200);
            if (r.failed > 0 || r.duplicateAccepts > 0)
              failures.push(`burst sweep ${n}: ${r.failed} failed, ${r.duplicateAccepts} duplicates`);
            sizes.push({ burst: n, p50: r.acceptAfterWebhookMs.p50, p99: r.acceptAfterWebhookMs.p99 });
            await server.waitIdle();
            await sleep(0.3 * opts.settleMs);
          }
          if (sizes.length > 0) {
            result.burstSweep = { sizes, msPerWebhook: slope(sizes.map((x) => [x.burst, x.p99])) };
            say(
              `  burst sweep: ${sizes.map((x) => `${x.burst} → p99 ${x.p99} ms`).join(', ')}; ${result.burstSweep.msPerWebhook} ms per webhook`,
            );
          }
          result.restConnections = await standIn.connectionReport();
        },
        kind,
      );
    };
    // The reference first, then Switchboard: same stand-in options, same pinning, fresh processes each.
    const answerScenario = async () => {
      if (opts.leastWork) await answerOn('least-work');
      await answerOn('switchboard');
    };

    const rttScenario = async () => {
      say(`answer: burst with a ${opts.rttMs} ms emulated round trip`);
      await withStack('rtt', opts.rttMs, async (standIn, server) => {
        await standIn.warmWebhooks(Math.max(opts.burst, 8));
        await standIn.answerSteady(100, 0.2, 100);
        await server.waitIdle();
        noteAnswer({
          name: `burst ${opts.burst}, RTT ${opts.rttMs} ms, fresh server`,
          rttMs: opts.rttMs,
          cold: true,
          report: await standIn.answerBurst(opts.burst, opts.holdMs),
        });
        await server.waitIdle();
        await warmUp(standIn, server);
        const before = await standIn.connectionReport();
        const report = await standIn.answerBurst(opts.burst, opts.holdMs);
        const after = await standIn.connectionReport();
        noteAnswer({ name: `burst ${opts.burst}, RTT ${opts.rttMs} ms`, rttMs: opts.rttMs, report });
        result.rttRestConnections = {
          restByProtocol: Object.fromEntries(
            Object.entries(after.restByProtocol).map(([k, v]) => [k, v - (before.restByProtocol[k] ?? 0)]),
          ),
          tlsHttp1: (after.tlsHttp1 ?? 0) - (before.tlsHttp1 ?? 0),
          restRequestsByProtocol: Object.fromEntries(
            Object.entries(after.restRequestsByProtocol).map(([k, v]) => [k, v - (before.restRequestsByProtocol[k] ?? 0)]),
          ),
          controlSockets: after.controlSockets - before.controlSockets,
        };
        await server.waitIdle();
      });
    };

    const soakOn = async (kind: ServerKind) => {
      const sb = kind === 'switchboard';
      const who = sb ? '' : 'least-work: ';
      say(
        `soak: ${opts.calls} live calls at ${opts.eventsPerSec} events/s over TLS, then capacity, ${sb ? 'Switchboard' : 'least-work reference'}`,
      );
      await withStack(
        sb ? 'soak' : 'soak-least-work',
        0,
        async (standIn, server, baseURL) => {
          await standIn.warmWebhooks(32);
          // Warm-up: a few live calls with events and transfers, then all hung up.
          await standIn.holdLive(Math.min(50, opts.calls), opts.rampPerSec, opts.eventsPerSec);
          await standIn.transfers(Math.max(2, opts.transfersPerSec));
          await sleep(Math.min(1500, opts.soakSeconds * 1000));
          await standIn.hangupAll();
          await server.waitIdle();
          await sleep(opts.settleMs / 2);
          const base = await server.settledMemory();

          const level = async (calls: number, seconds: number): Promise<LevelResult> => {
            const reached = await standIn.holdLive(calls, opts.rampPerSec, opts.eventsPerSec);
            await sleep(Math.min(2000, seconds * 1000));
            await server.stats({ reset: true });
            await standIn.resetWindow();
            await standIn.transfers(opts.transfersPerSec);
            await sleep(seconds * 1000);
            const s = await server.stats({ reset: true });
            const w = await standIn.report();
            await standIn.transfers(0);
            const expectedEvents = calls * opts.eventsPerSec;
            let why = 'held';
            if (reached < calls) why = `only ${reached} calls went live`;
            else if (w.failures.length > 0) why = `failures: ${w.failures.slice(0, 3).join('; ')}`;
            else if (s.loopLag.p99Ms >= opts.lagLimitMs) why = `loop lag p99 ${s.loopLag.p99Ms} ms ≥ ${opts.lagLimitMs} ms`;
            else if (w.eventsPerSec < 0.9 * expectedEvents) why = `stand-in limit: it sent ${w.eventsPerSec} of ${expectedEvents} events/s`;
            const lvl: LevelResult = {
              calls,
              live: s.liveCalls,
              loopLag: s.loopLag,
              cpuPercent: s.cpu.percent,
              standIn: w,
              held: why === 'held',
              why,
            };
            say(
              `  ${who}${calls} calls: loop lag p50 ${s.loopLag.p50Ms} p99 ${s.loopLag.p99Ms} ms, CPU ${s.cpu.percent}%, ${w.eventsPerSec} events/s, transfers p99 ${w.transferMs.p99} ms → ${why}`,
            );
            return lvl;
          };

          const t0 = performance.now();
          await standIn.holdLive(opts.calls, opts.rampPerSec, opts.eventsPerSec);
          const rampSeconds = Math.round((performance.now() - t0) / 100) / 10;
          // CPU per control event: C calls streaming, no transfers, no calls placed; whole process.
          await sleep(Math.min(2000, opts.eventCpuSeconds * 1000));
          await server.stats({ reset: true });
          await standIn.resetWindow();
          await sleep(opts.eventCpuSeconds * 1000);
          const ev = await server.stats({ reset: true });
          const evWindow = await standIn.report();
          const cpuMs = Math.round((ev.cpu.userMs + ev.cpu.systemMs) * 1000) / 1000;
          const eventCpu: EventCpu = {
            calls: ev.liveCalls,
            windowMs: Math.round(ev.cpu.windowMs),
            events: evWindow.eventsSent,
            eventsPerSec: evWindow.eventsPerSec,
            cpuMs,
            usPerEvent: Math.round(((cpuMs * 1000) / Math.max(1, evWindow.eventsSent)) * 100) / 100,
          };
          say(
            `  ${who}CPU per control event: ${eventCpu.usPerEvent} µs (${cpuMs} ms over ${eventCpu.events} events, ${eventCpu.calls} calls)`,
          );
          if (evWindow.failures.length > 0) failures.push(`${who}event CPU window: ${evWindow.failures.slice(0, 3).join('; ')}`);
          const soakLevel = await level(opts.calls, opts.soakSeconds);
          await sleep(opts.settleMs); // replacements for transferred calls go live
          const mem = await server.settledMemory();
          const per = (a: number, b: number) => Math.round(((a - b) / Math.max(1, mem.liveCalls) / 1024) * 10) / 10;

          const reference = sb
            ? await tlsReference(pin, baseURL, cert, apiKey, Math.min(opts.referenceSockets, opts.calls)).catch((err: Error) => {
                failures.push(`TLS reference: ${err.message}`);
                return null;
              })
            : null;
          const soak: SoakFigures = {
            rampSeconds,
            level: soakLevel,
            eventCpu,
            memory: {
              baselineRss: base.memory.rss,
              baselineHeap: base.memory.heapUsed,
              liveCalls: mem.liveCalls,
              rssPerCallKB: per(mem.memory.rss, base.memory.rss),
              heapPerCallKB: per(mem.memory.heapUsed, base.memory.heapUsed),
              heapTotalPerCallKB: per(mem.memory.heapTotal, base.memory.heapTotal),
              externalPerCallKB: per(mem.memory.external, base.memory.external),
            },
            transferMs: soakLevel.standIn.transferMs,
            referenceTlsWsClientKB: reference,
          };
          if (sb) result.soak = soak;
          else result.leastWork!.soak = soak;
          say(
            `  ${who}memory: ${soak.memory.rssPerCallKB} KB RSS, ${soak.memory.heapPerCallKB} KB heap per live call${sb ? ` (bare TLS ws client: ${reference?.rssPerSocketKB.toFixed(1) ?? '?'} KB)` : ''}`,
          );
          // A lagging loop or a stand-in at its limit is a measurement; these are failures.
          if (soakLevel.standIn.failures.length > 0) failures.push(`${who}soak: ${soakLevel.standIn.failures.slice(0, 3).join('; ')}`);
          if (soakLevel.live < opts.calls) failures.push(`${who}soak: only ${soakLevel.live} of ${opts.calls} calls live`);

          // Capacity: keep raising the number of live calls until the loop lags or anything fails.
          const levels: LevelResult[] = [soakLevel];
          let lastHeld = soakLevel.held ? opts.calls : 0;
          let stoppedBecause = soakLevel.held ? `reached --capacity-max ${opts.capacityMax}` : `${opts.calls}: ${soakLevel.why}`;
          if (soakLevel.held) {
            for (let c = opts.calls + opts.capacityStep; c <= opts.capacityMax; c += opts.capacityStep) {
              const l = await level(c, opts.capacitySeconds);
              levels.push(l);
              if (l.standIn.failures.length > 0) failures.push(`${who}capacity ${c}: ${l.standIn.failures.slice(0, 3).join('; ')}`);
              if (!l.held) {
                stoppedBecause = `${c}: ${l.why}`;
                break;
              }
              lastHeld = c;
            }
          } else {
            await standIn.hangupAll();
            await server.waitIdle(60_000);
            for (let c = opts.calls - opts.capacityStep; c > 0; c -= opts.capacityStep) {
              const l = await level(c, opts.capacitySeconds);
              levels.push(l);
              if (l.held) {
                lastHeld = c;
                break;
              }
            }
          }
          if (sb) result.capacity = { lastHeld, stoppedBecause, levels };
          else result.leastWork!.capacity = { lastHeld, stoppedBecause, levels };
          say(`  ${who}capacity: ${lastHeld} live calls held (stopped at ${stoppedBecause})`);
          await standIn.hangupAll();
        },
        kind,
      );
    };
    const soakScenario = async () => {
      if (opts.leastWork) await soakOn('least-work');
      await soakOn('switchboard');
    };

    const coldScenario = async () => {
      say('cold start: process start → /ready 200');
      const standIn = new StandInClient(pin.standIn);
      try {
        const baseURL = await standIn.init(standInOptions(0));
        const runsMs: number[] = [];
        for (let i = 0; i < opts.coldStarts; i++) {
          const s = await ServerProcess.start({
            pin: pin.server,
            env: serverEnv(baseURL, false),
            nodeArgs: startNodeFlags(),
            logFile: join(cert.dir, 'server-cold.log'),
            cwd: cert.dir,
            readyTimeoutMs: opts.readyTimeoutMs,
          });
          runsMs.push(Math.round(s.readyMs * 10) / 10);
          await s.stop();
          await sleep(0.2 * opts.settleMs);
        }
        result.coldStart = { medianMs: median(runsMs), runsMs };
        say(`  median ${result.coldStart.medianMs} ms (${runsMs.join(', ')})`);
      } finally {
        await standIn.close();
      }
    };

    const clusterScenario = async () => {
      say(`cluster: ${opts.clusterInstances} instances on PostgreSQL, ${opts.clusterCalls} live calls, kill -9 of one`);
      const standIn = new StandInClient(pin.standIn);
      ourPids.push(standIn.pid);
      try {
        const baseURL = await standIn.init(standInOptions(0));
        result.cluster = await runCluster(
          {
            instances: opts.clusterInstances,
            calls: opts.clusterCalls,
            eventsPerSec: opts.clusterEvents,
            rampPerSec: opts.rampPerSec,
            burst: opts.burst,
            rate: opts.rate,
            rateSeconds: opts.rateSeconds,
            warmupCalls: opts.warmupCalls,
            holdMs: opts.holdMs,
            takeoverWaitMs: 30_000,
            databaseUrl: opts.clusterDatabaseUrl,
          },
          {
            standIn,
            pin,
            serverEnv: serverEnv(baseURL),
            dir: cert.dir,
            apiToken: randomBytes(16).toString('hex'),
            say,
            failures,
            onServer: (s) => ourPids.push(s.pid),
          },
        );
      } catch (err) {
        failures.push(`cluster: ${(err as Error).message}`);
      } finally {
        await standIn.close();
        for (let i = 1; i <= opts.clusterInstances; i++) {
          const levels = logLevels(join(cert.dir, `server-cluster-${i}.log`));
          serverLogs[`cluster-${i}`] = levels;
          if (levels.error > 0) failures.push(`cluster-${i}: ${levels.error} error lines in the server log`);
        }
      }
    };

    // Each scenario starts its own processes; --concurrency runs several at a time (their figures then mean little).
    const queue = [answerScenario, rttScenario, soakScenario, coldScenario, clusterScenario].filter((_, i) =>
      opts.scenarios.includes((['answer', 'rtt', 'soak', 'cold', 'cluster'] as const)[i]!),
    );
    const lane = async () => {
      for (let run = queue.shift(); run; run = queue.shift()) await run();
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, opts.concurrency) }, lane));
    const failed = lanes.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    result.answer.sort((a, b) => Number(a.rttMs > 0) - Number(b.rttMs > 0)); // loopback first, as when run one by one
  } finally {
    if (!opts.keepLogs) cert.remove();
    else say(`server logs kept in ${cert.dir}`);
  }

  const steal1 = cpuTimes();
  result.machine.loadAverageEnd = machineFacts().loadAverage;
  result.machine.otherProcessesAtEnd = otherProcesses(ourPids);
  result.machine.stealPercent =
    steal0 && steal1 ? Math.round(((steal1.steal - steal0.steal) / Math.max(1, steal1.total - steal0.total)) * 1000) / 10 : null;
  result.durationS = Math.round((Date.now() - started) / 1000);
  result.targets = targets(result, opts);
  result.comparison = comparison(result, opts);
  result.ok = failures.length === 0;
  return result;
}

/** Least-squares slope of y over x, rounded to 0.001. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return Math.round((num / den) * 1000) / 1000;
}

async function tlsReference(pin: Pinning, baseURL: string, cert: ThrowawayCert, apiKey: string, sockets: number) {
  const url = `${baseURL.replace('https:', 'wss:')}/realtime`;
  const script = fileURLToPath(new URL('./tls-reference.ts', import.meta.url));
  const [cmd = process.execPath, ...args] = [...pin.server, process.execPath, '--expose-gc', script, url, String(sockets)];
  const child = spawn(cmd, args, {
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: cert.caPath, BENCH_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`tls-reference exited with ${code}`);
  const r = JSON.parse(out) as { sockets: number; rssPerSocketKB: number; heapPerSocketKB: number };
  return {
    sockets: r.sockets,
    rssPerSocketKB: Math.round(r.rssPerSocketKB * 10) / 10,
    heapPerSocketKB: Math.round(r.heapPerSocketKB * 10) / 10,
  };
}

/** Absolute targets for what has no least-work counterpart; the compared figures are in comparison(). */
function targets(r: BenchResult, o: BenchOptions): BenchResult['targets'] {
  const t: BenchResult['targets'] = [];
  const rtt = r.answer.find((a) => a.rttMs > 0 && !a.cold);
  if (rtt)
    t.push({
      figure: `burst ${o.burst}, RTT ${o.rttMs} ms: webhook → accept p99`,
      target: `≤ ${o.rttMs + 25} ms`,
      value: `${rtt.report.acceptAfterWebhookMs.p99} ms`,
      met: rtt.report.acceptAfterWebhookMs.p99 <= o.rttMs + 25,
    });
  const bad = [...r.answer, ...(r.leastWork?.answer ?? [])].reduce((n, a) => n + a.report.failed + a.report.duplicateAccepts, 0);
  if (r.answer.length) t.push({ figure: 'failed + duplicate accepts', target: '0', value: String(bad), met: bad === 0 });
  if (r.coldStart)
    t.push({
      figure: 'cold start: median process start → /ready 200',
      target: '≤ 1 s',
      value: `${r.coldStart.medianMs} ms`,
      met: r.coldStart.medianMs <= 1000,
    });
  if (r.cluster) {
    const k = r.cluster.takeover;
    t.push({
      figure: `takeover after kill -9, ${k.orphaned} calls: p99 (socket dropped → new socket)`,
      target: '≤ 10 s',
      value: `${k.takeoverMs.p99} ms`,
      met: k.takeoverMs.p99 <= 10_000,
    });
    t.push({ figure: 'calls lost in the takeover', target: '0', value: String(k.lost), met: k.lost === 0 });
    const dup = k.duplicateAccepts + r.cluster.storm.duplicateAccepts + r.cluster.answer.reduce((n, a) => n + a.report.duplicateAccepts, 0);
    t.push({
      figure: `duplicate accepts (${r.cluster.instances} instances, storm included)`,
      target: '0',
      value: String(dup),
      met: dup === 0,
    });
  }
  return t;
}

/** Switchboard ÷ least-work for every figure both servers were measured on, against the issue's ratio targets. */
function comparison(r: BenchResult, o: BenchOptions): Comparison[] {
  const lw = r.leastWork;
  if (!lw) return [];
  const warmBurst = (a: AnswerScenario[]) => a.find((x) => x.rttMs === 0 && !x.cold && x.name.startsWith('burst'));
  const steady = (a: AnswerScenario[]) => a.find((x) => x.name.startsWith('steady'));
  const rows: Array<Omit<Comparison, 'ratio' | 'met'> & { at: 'most' | 'least'; limit: number }> = [
    {
      figure: `CPU per call set-up (steady ${o.rate}/s, whole process)`,
      unit: 'ms',
      switchboard: r.setupCpu?.msPerCall ?? null,
      leastWork: lw.setupCpu?.msPerCall ?? null,
      target: '≤ 1.0',
      at: 'most',
      limit: 1,
    },
    {
      figure: `CPU per control event (${r.soak?.eventCpu.calls ?? o.calls} calls, ${o.eventsPerSec} ev/s, no transfers)`,
      unit: 'µs',
      switchboard: r.soak?.eventCpu.usPerEvent ?? null,
      leastWork: lw.soak?.eventCpu.usPerEvent ?? null,
      target: '≤ 1.0',
      at: 'most',
      limit: 1,
    },
    {
      figure: 'memory per live call (RSS, after GC, minus idle)',
      unit: 'KB',
      switchboard: r.soak?.memory.rssPerCallKB ?? null,
      leastWork: lw.soak?.memory.rssPerCallKB ?? null,
      target: '≤ 1.0',
      at: 'most',
      limit: 1,
    },
    {
      figure: `burst ${o.burst} (warm): webhook → accept p99`,
      unit: 'ms',
      switchboard: warmBurst(r.answer)?.report.acceptAfterWebhookMs.p99 ?? null,
      leastWork: warmBurst(lw.answer)?.report.acceptAfterWebhookMs.p99 ?? null,
      target: '≤ 0.5',
      at: 'most',
      limit: 0.5,
    },
    {
      figure: `steady ${o.rate}/s: webhook → accept p99`,
      unit: 'ms',
      switchboard: steady(r.answer)?.report.acceptAfterWebhookMs.p99 ?? null,
      leastWork: steady(lw.answer)?.report.acceptAfterWebhookMs.p99 ?? null,
      target: '≤ 1.5',
      at: 'most',
      limit: 1.5,
    },
    {
      figure: `transfer (fn call → REFER) p99 at ${o.calls} live calls`,
      unit: 'ms',
      switchboard: r.soak?.transferMs.p99 ?? null,
      leastWork: lw.soak?.transferMs.p99 ?? null,
      target: '≤ 1.0',
      at: 'most',
      limit: 1,
    },
    {
      figure: `live calls held at ${o.eventsPerSec} ev/s, loop lag p99 < ${o.lagLimitMs} ms`,
      unit: 'calls',
      switchboard: r.capacity?.lastHeld ?? null,
      leastWork: lw.capacity?.lastHeld ?? null,
      target: '≥ 1.0',
      at: 'least',
      limit: 1,
      ...(r.capacity && lw.capacity && r.capacity.lastHeld === o.capacityMax && lw.capacity.lastHeld === o.capacityMax
        ? { note: `both reached --capacity-max ${o.capacityMax}: raise it to tell them apart` }
        : {}),
    },
  ];
  return rows.map(({ at, limit, ...c }) => {
    const usable = c.switchboard !== null && c.leastWork !== null && Number.isFinite(c.switchboard) && Number.isFinite(c.leastWork);
    const ratio = usable && c.leastWork! > 0 ? Math.round((c.switchboard! / c.leastWork!) * 100) / 100 : null;
    return { ...c, ratio, met: ratio === null ? null : at === 'most' ? ratio <= limit : ratio >= limit };
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, j) => {
      const line = r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
      return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

export function formatSummary(r: BenchResult): string {
  const m = r.machine;
  const ms = (s: { p50: number; p95: number; p99: number; max: number }) => `${s.p50} / ${s.p95} / ${s.p99} / ${s.max}`;
  const rows: string[][] = [['scenario', 'figure', 'value']];
  const answerRows = (answers: AnswerScenario[], setup: SetupCpu | null, who: string) => {
    for (const a of answers) {
      rows.push([`${who}answer: ${a.name}`, 'webhook → accept, p50/p95/p99/max ms', ms(a.report.acceptAfterWebhookMs)]);
      rows.push([
        '',
        'webhook answered (incl. accept service), p50/p99 ms',
        `${a.report.webhookAnswerMs.p50} / ${a.report.webhookAnswerMs.p99}`,
      ]);
      rows.push(['', 'calls / failed / duplicate accepts', `${a.report.calls} / ${a.report.failed} / ${a.report.duplicateAccepts}`]);
      if (a.server) rows.push(['', 'server loop lag p99 / CPU', `${a.server.loopLagP99Ms} ms / ${a.server.cpuPercent}%`]);
      if (a.standIn) rows.push(['', 'stand-in loop lag p99 / CPU', `${a.standIn.loopLagP99Ms} ms / ${a.standIn.cpuPercent}%`]);
      if (setup && a.name.startsWith('steady'))
        rows.push([
          '',
          'CPU per call set-up (set-up to hang-up, all threads)',
          `${setup.msPerCall} ms (${Math.round((setup.userMs + setup.systemMs) * 10) / 10} ms / ${setup.calls} calls)`,
        ]);
    }
  };
  if (r.leastWork) answerRows(r.leastWork.answer, r.leastWork.setupCpu, 'least-work ');
  answerRows(r.answer, r.setupCpu, '');
  const protocols = (c: ConnectionReport | null) =>
    c
      ? `${
          Object.entries(c.restByProtocol)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ') || 'none new'
        } connections; requests ${Object.entries(c.restRequestsByProtocol)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`
      : 'n/a';
  if (r.burstSweep)
    rows.push([
      'answer: burst sweep (loopback)',
      'p99 ms by burst size; slope',
      `${r.burstSweep.sizes.map((x) => `${x.burst}: ${x.p99}`).join(', ')}; ${r.burstSweep.msPerWebhook} ms/webhook`,
    ]);
  if (r.restConnections) rows.push(['REST to stand-in (answer run)', 'connections opened by the server', protocols(r.restConnections)]);
  if (r.rttRestConnections)
    rows.push(['REST to stand-in (RTT burst)', 'connections opened during the burst', protocols(r.rttRestConnections)]);
  const soakRows = (soak: SoakFigures | null, capacity: CapacityFigures | null, who: string) => {
    if (soak) {
      const l = soak.level;
      rows.push([
        `${who}soak: ${l.calls} calls, ${r.options.eventsPerSec} ev/s, ${r.options.soakSeconds} s`,
        'loop lag p50 / p99 / max ms',
        `${l.loopLag.p50Ms} / ${l.loopLag.p99Ms} / ${l.loopLag.maxMs}`,
      ]);
      rows.push(['', 'server CPU (one core = 100%)', `${l.cpuPercent}%`]);
      rows.push(['', 'events delivered / s', String(l.standIn.eventsPerSec)]);
      const e = soak.eventCpu;
      rows.push([
        '',
        `CPU per control event (${e.calls} calls, no transfers, ${Math.round(e.windowMs / 100) / 10} s)`,
        `${e.usPerEvent} µs (${e.cpuMs} ms / ${e.events} events)`,
      ]);
      rows.push(['', 'memory per live call: RSS / heap KB', `${soak.memory.rssPerCallKB} / ${soak.memory.heapPerCallKB}`]);
      if (soak.referenceTlsWsClientKB)
        rows.push(['', 'bare TLS ws client (floor): RSS KB', String(soak.referenceTlsWsClientKB.rssPerSocketKB)]);
      rows.push([
        '',
        `transfer (fn call → REFER) p50 / p99 ms, n=${soak.transferMs.count}`,
        `${soak.transferMs.p50} / ${soak.transferMs.p99}`,
      ]);
      rows.push(['', 'ramp time / failures', `${soak.rampSeconds} s / ${l.standIn.failures.length}`]);
    }
    if (capacity)
      rows.push([`${who}capacity`, 'last live-call count that held', `${capacity.lastHeld} (stopped at ${capacity.stoppedBecause})`]);
  };
  if (r.leastWork) soakRows(r.leastWork.soak, r.leastWork.capacity, 'least-work ');
  soakRows(r.soak, r.capacity, '');
  if (r.coldStart)
    rows.push(['cold start', `median of ${r.coldStart.runsMs.length}, ms`, `${r.coldStart.medianMs} (${r.coldStart.runsMs.join(', ')})`]);
  if (r.cluster) {
    const c = r.cluster;
    for (const a of c.answer)
      rows.push([`cluster: ${a.name}`, 'webhook → accept (claim in PostgreSQL), p50/p95/p99/max ms', ms(a.report.acceptAfterWebhookMs)]);
    rows.push([
      `cluster: storm, each delivery to all ${c.instances}`,
      'calls / failed / duplicate accepts; p99 ms',
      `${c.storm.calls} / ${c.storm.failed} / ${c.storm.duplicateAccepts}; ${c.storm.acceptAfterWebhookMs.p99}`,
    ]);
    const k = c.takeover;
    rows.push([
      `cluster: kill -9 with ${k.liveBefore} calls live`,
      'orphaned / taken over / lost',
      `${k.orphaned} / ${k.takenOver} / ${k.lost}`,
    ]);
    rows.push(['', 'takeover p50 / p99 / max ms', `${k.takeoverMs.p50} / ${k.takeoverMs.p99} / ${k.takeoverMs.max}`]);
    rows.push(['', 'records checked / greeted twice', `${k.checkedRecords} / ${k.secondGreetings}`]);
    rows.push([
      '',
      'transfers after the takeover (fn call → REFER)',
      `${c.transfersAfter.count}, failures ${c.transfersAfter.failures.length}`,
    ]);
  }

  const tgt = [
    ['target', 'goal', 'measured', 'met'],
    ...r.targets.map((t) => [t.figure, t.target, t.value, t.met === null ? '?' : t.met ? 'yes' : 'NO']),
  ];
  const num = (v: number | null, unit: string) => (v === null || !Number.isFinite(v) ? 'n/a' : `${v} ${unit}`);
  const cmp = [
    ['compared (Switchboard ÷ least-work)', 'Switchboard', 'least-work', 'ratio', 'target', 'met'],
    ...r.comparison.map((c) => [
      c.note ? `${c.figure} (${c.note})` : c.figure,
      num(c.switchboard, c.unit),
      num(c.leastWork, c.unit),
      c.ratio === null ? 'n/a' : c.ratio.toFixed(2),
      c.target,
      c.met === null ? '?' : c.met ? 'yes' : 'NO',
    ]),
  ];
  return [
    `Switchboard bench, ${r.startedAt}: commit ${m.commit.slice(0, 10)}${m.dirty ? ' (dirty)' : ''} on ${m.branch}; Node ${m.nodeVersion}; ${m.cpuModel} × ${m.cores}`,
    `pinning: ${m.pinning}; load average ${m.loadAverage.join(' ')} → ${m.loadAverageEnd.join(' ')}; steal ${m.stealPercent ?? '?'}%`,
    `also running at start: ${m.otherProcessesAtStart.join(' | ') || 'nothing busy'}`,
    `Switchboard's node flags (npm start): ${r.serverNodeFlags.join(' ') || 'none'}; least-work: none`,
    `call-record store: ${r.callRecordStore}`,
    `stand-in service delay ${r.options.serviceDelayMs} ms; ${r.tls}`,
    '',
    table(rows),
    '',
    ...(r.comparison.length ? [table(cmp), ''] : []),
    table(tgt),
    '',
    r.failures.length ? `FAILURES:\n  ${r.failures.join('\n  ')}` : 'no failures',
  ].join('\n');
}

function parseCli(argv: string[]): { opts: BenchOptions; out: string | null } {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean' },
      scenarios: { type: 'string' },
      'service-delay-ms': { type: 'string' },
      'rtt-ms': { type: 'string' },
      burst: { type: 'string' },
      'burst-sweep': { type: 'string' },
      'warmup-calls': { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      calls: { type: 'string' },
      events: { type: 'string' },
      'soak-seconds': { type: 'string' },
      'event-cpu-seconds': { type: 'string' },
      'no-least-work': { type: 'boolean' },
      'ramp-per-sec': { type: 'string' },
      'transfers-per-sec': { type: 'string' },
      'capacity-step': { type: 'string' },
      'capacity-max': { type: 'string' },
      'capacity-seconds': { type: 'string' },
      'settle-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'cold-starts': { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-h2': { type: 'boolean' },
      'log-level': { type: 'string' },
      'database-url': { type: 'string' },
      'server-node-args': { type: 'string' },
      'keep-logs': { type: 'boolean' },
      'wait-quiet': { type: 'string' },
      'cluster-instances': { type: 'string' },
      'cluster-calls': { type: 'string' },
      'cluster-events': { type: 'string' },
      'cluster-database-url': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`npm run bench -- [options]   (see bench/README.md)
  --smoke                 a few calls per scenario (what npm test runs)
  --scenarios a,b         answer, rtt, soak, cold, cluster (default all; soak includes capacity)
  --service-delay-ms N    stand-in answer delay for accept/refer/hangup (30)
  --rtt-ms N              emulated round trip for the RTT burst (40)
  --no-least-work         skip the least-work reference (bench/least-work-server.ts) and the ratios to it
  --burst N --rate R --rate-seconds T      answer scenarios (100, 100, 10)
  --burst-sweep a,b,…     burst sizes swept on loopback (10,25,50,100,200; empty to skip)
  --warmup-calls N        calls answered (200/s) before the warm answer scenarios (2000)
  --calls C --events E --soak-seconds T    soak (200, 10, 30)
  --event-cpu-seconds T   window for CPU per control event, C calls, no transfers (10)
  --ramp-per-sec N        new calls per second while ramping up (250)
  --transfers-per-sec N   transfer function calls during soak/capacity (5)
  --capacity-step N --capacity-max N --capacity-seconds T   (500, 8000, 10)
  --settle-ms N           pause before memory is read; shorter ones between bursts and starts (1000)
  --concurrency N         scenarios run at a time (1)
  --cold-starts N         (5)
  --no-pin                do not pin with taskset
  --no-h2                 the stand-in offers HTTP/1.1 only (to compare)
  --log-level L           server LOG_LEVEL (info)
  --database-url URL      records store on PostgreSQL (default: SQLite in the temp dir)
  --server-node-args="…"  extra node flags for the server, e.g. --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --keep-logs             keep the server logs (path printed)
  --wait-quiet MIN        first wait up to MIN minutes for the load average to drop below 0.5
  --cluster-instances N --cluster-calls C --cluster-events E   cluster scenario (2, 200, 2)
  --cluster-database-url URL   its PostgreSQL (BENCH_DATABASE_URL, TEST_DATABASE_URL, else postgres://root@127.0.0.1:5432/test)
  --out FILE              results file (default bench/results/<time>-<commit>.json)
`);
    process.exit(0);
  }
  const base = values.smoke ? smokeOptions : defaultOptions;
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const opts: BenchOptions = {
    ...base,
    scenarios: values.scenarios ? (values.scenarios.split(',') as BenchOptions['scenarios']) : base.scenarios,
    serviceDelayMs: num(values['service-delay-ms'], base.serviceDelayMs),
    rttMs: num(values['rtt-ms'], base.rttMs),
    burst: num(values.burst, base.burst),
    warmupCalls: num(values['warmup-calls'], base.warmupCalls),
    burstSweep: values['burst-sweep'] !== undefined ? values['burst-sweep'].split(',').filter(Boolean).map(Number) : base.burstSweep,
    rate: num(values.rate, base.rate),
    rateSeconds: num(values['rate-seconds'], base.rateSeconds),
    calls: num(values.calls, base.calls),
    eventsPerSec: num(values.events, base.eventsPerSec),
    soakSeconds: num(values['soak-seconds'], base.soakSeconds),
    eventCpuSeconds: num(values['event-cpu-seconds'], base.eventCpuSeconds),
    leastWork: values['no-least-work'] ? false : base.leastWork,
    rampPerSec: num(values['ramp-per-sec'], base.rampPerSec),
    transfersPerSec: num(values['transfers-per-sec'], base.transfersPerSec),
    capacityStep: num(values['capacity-step'], base.capacityStep),
    capacityMax: num(values['capacity-max'], base.capacityMax),
    capacitySeconds: num(values['capacity-seconds'], base.capacitySeconds),
    settleMs: num(values['settle-ms'], base.settleMs),
    concurrency: num(values.concurrency, base.concurrency),
    coldStarts: num(values['cold-starts'], base.coldStarts),
    pin: values['no-pin'] ? false : base.pin,
    h2: values['no-h2'] ? false : base.h2,
    logLevel: values['log-level'] ?? base.logLevel,
    databaseUrl: values['database-url'] ?? base.databaseUrl,
    serverNodeArgs: values['server-node-args'] ? values['server-node-args'].split(' ').filter(Boolean) : base.serverNodeArgs,
    keepLogs: values['keep-logs'] ?? false,
    waitQuietMinutes: num(values['wait-quiet'], base.waitQuietMinutes),
    clusterInstances: num(values['cluster-instances'], base.clusterInstances),
    clusterCalls: num(values['cluster-calls'], base.clusterCalls),
    clusterEvents: num(values['cluster-events'], base.clusterEvents),
    clusterDatabaseUrl: values['cluster-database-url'] ?? base.clusterDatabaseUrl,
  };
  return { opts, out: values.out ?? null };
}

if (import.meta.main) {
  const { opts, out } = parseCli(process.argv.slice(2));
  const pinning = detectPinning(opts.pin);
  pinSelf(pinning);
  const result = await runBench(opts, (line) => process.stderr.write(`${line}\n`), pinning);
  process.stdout.write(`${formatSummary(result)}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-').slice(0, 19);
  const file =
    out ??
    join(
      dir,
      `${stamp}-${result.machine.commit.slice(0, 8)}${opts === smokeOptions || process.argv.includes('--smoke') ? '.smoke.tmp' : ''}.json`,
    );
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`results: ${file}\n`);
  process.exit(result.ok ? 0 : 1);
}
