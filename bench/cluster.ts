// The cluster scenario: N real server processes sharing one PostgreSQL schema, the stand-in
// delivering webhooks to all of them. Answer latency with the claim (one instance, then N), a
// storm of deliveries sent to every instance at once, then C live calls spread over the
// instances, kill -9 of one, and every call it held taken over by the others.

import { request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import type { Pinning } from './machine.ts';
import { ServerProcess, startNodeFlags } from './server-process.ts';
import type { AnswerReport, TakeoverReport } from './stand-in.ts';
import type { StandInClient } from './stand-in-client.ts';

export interface ClusterOptions {
  instances: number;
  /** Live calls when one instance is killed. */
  calls: number;
  eventsPerSec: number;
  rampPerSec: number;
  burst: number;
  rate: number;
  rateSeconds: number;
  warmupCalls: number;
  holdMs: number;
  /** How long the other instances get to take every call over. */
  takeoverWaitMs: number;
  databaseUrl: string;
}

export interface ClusterResult {
  instances: number;
  answer: Array<{ name: string; report: AnswerReport }>;
  /** The same delivery written to every instance at once. */
  storm: AnswerReport;
  takeover: TakeoverReport & {
    killedPid: number | undefined;
    liveBefore: number;
    liveAfter: number;
    lost: number;
    secondGreetings: number;
    checkedRecords: number;
  };
  /** Transfers on calls taken over: function call → REFER. */
  transfersAfter: { count: number; failures: string[] };
}

interface Ctx {
  standIn: StandInClient;
  pin: Pinning;
  serverEnv: Record<string, string>;
  dir: string;
  apiToken: string;
  say: (line: string) => void;
  failures: string[];
  onServer: (s: ServerProcess) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function getJson(port: number, path: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` }, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A schema of its own, named in the URL's search_path so every instance uses it. */
export async function clusterSchema(databaseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `sb_bench_cluster_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export async function runCluster(o: ClusterOptions, ctx: Ctx): Promise<ClusterResult> {
  const { standIn, say, failures } = ctx;
  const db = await clusterSchema(o.databaseUrl);
  const servers: ServerProcess[] = [];
  const start = async (i: number) => {
    const s = await ServerProcess.start({
      pin: ctx.pin.server,
      env: { ...ctx.serverEnv, DATABASE_URL: db.url, API_TOKEN: ctx.apiToken, INSTANCE_ID: `bench-${i}` },
      nodeArgs: startNodeFlags(),
      logFile: join(ctx.dir, `server-cluster-${i}.log`),
      cwd: ctx.dir,
    });
    ctx.onServer(s);
    return s;
  };
  const noteAnswer = (name: string, report: AnswerReport) => {
    if (report.failed > 0 || report.duplicateAccepts > 0)
      failures.push(
        `cluster ${name}: ${report.failed} failed, ${report.duplicateAccepts} duplicate accepts; ${report.failures.slice(0, 3).join('; ')}`,
      );
    const r = report.acceptAfterWebhookMs;
    say(
      `  ${name}: webhook→accept p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} max ${r.max} ms; failed ${report.failed}, duplicates ${report.duplicateAccepts}`,
    );
    return { name, report };
  };
  try {
    const answer: ClusterResult['answer'] = [];
    // One instance on PostgreSQL, the claim in the answer path.
    servers.push(await start(1));
    await standIn.setWebhookUrls([servers[0]!.webhookUrl]);
    await standIn.warmWebhooks(32);
    if (o.warmupCalls > 0) await standIn.answerSteady(200, o.warmupCalls / 200, 200);
    await servers[0]!.waitIdle();
    answer.push(
      noteAnswer(`1 instance: steady ${o.rate}/s for ${o.rateSeconds} s`, await standIn.answerSteady(o.rate, o.rateSeconds, o.holdMs)),
    );
    await servers[0]!.waitIdle();

    for (let i = 2; i <= o.instances; i++) servers.push(await start(i));
    await standIn.setWebhookUrls(servers.map((s) => s.webhookUrl));
    await standIn.warmWebhooks(32);
    if (o.warmupCalls > 0) await standIn.answerSteady(200, o.warmupCalls / 200, 200);
    for (const s of servers) await s.waitIdle();
    answer.push(
      noteAnswer(
        `${o.instances} instances: steady ${o.rate}/s for ${o.rateSeconds} s, spread`,
        await standIn.answerSteady(o.rate, o.rateSeconds, o.holdMs),
      ),
    );
    for (const s of servers) await s.waitIdle();

    // Every delivery to every instance at once: one accept each.
    await standIn.setDelivery('all');
    const storm = await standIn.answerBurst(o.burst, o.holdMs);
    await standIn.setDelivery('spread');
    if (storm.failed > 0 || storm.duplicateAccepts > 0)
      failures.push(
        `cluster storm: ${storm.failed} failed, ${storm.duplicateAccepts} duplicate accepts; ${storm.failures.slice(0, 3).join('; ')}`,
      );
    say(
      `  storm: ${o.burst} deliveries × ${o.instances} instances → ${storm.calls - storm.failed} answered, ${storm.duplicateAccepts} duplicate accepts, webhook→accept p99 ${storm.acceptAfterWebhookMs.p99} ms`,
    );
    for (const s of servers) await s.waitIdle();

    // Live calls spread over the instances; one dies.
    await standIn.setTakeover(true);
    const liveBefore = await standIn.holdLive(o.calls, o.rampPerSec, o.eventsPerSec);
    await sleep(2_000); // every call connected and written
    await standIn.resetTakeovers();
    const victim = servers[0]!;
    const killedPid = victim.pid;
    victim.child.kill('SIGKILL');
    // The balancer stops sending to it: new calls (replacing transferred ones) go to the others.
    await standIn.setWebhookUrls(servers.slice(1).map((s) => s.webhookUrl));
    say(`  killed instance 1 (pid ${killedPid}) with ${liveBefore} calls live across ${o.instances} instances`);
    const deadline = performance.now() + o.takeoverWaitMs;
    let report = await standIn.takeoverReport();
    while (performance.now() < deadline) {
      await sleep(200);
      report = await standIn.takeoverReport();
      if (report.orphaned > 0 && report.waiting === 0) break;
    }
    const liveAfter = (await standIn.liveCallIds()).length;
    say(
      `  takeover: ${report.takenOver} of ${report.orphaned} calls taken over, p50 ${report.takeoverMs.p50} p99 ${report.takeoverMs.p99} max ${report.takeoverMs.max} ms; ${report.waiting} still waiting`,
    );

    // No call greeted twice: each record has one greeting request (re-attached ones a reattach entry instead).
    const survivor = servers[1]!;
    const ids = await standIn.liveCallIds();
    let secondGreetings = 0;
    let checked = 0;
    for (const id of ids) {
      const r = await getJson(survivor.port, `/api/calls/${encodeURIComponent(id)}`, ctx.apiToken).catch(() => null);
      if (r?.status !== 200) continue;
      checked++;
      const greetings = (r.body.timeline as Array<{ type: string }>).filter((e) => e.type === 'greeting.requested').length;
      if (greetings > 1) secondGreetings++;
    }

    // Tools after the takeover: transfers on the calls still up reach their REFER.
    await standIn.resetWindow();
    await standIn.transfers(Math.max(2, Math.min(20, Math.round(o.calls / 20))));
    await sleep(2_000);
    await standIn.transfers(0);
    await sleep(500);
    const window = await standIn.report();
    const transfersAfter = { count: window.transfers, failures: window.failures };
    if (window.failures.length > 0) failures.push(`cluster after takeover: ${window.failures.slice(0, 3).join('; ')}`);
    if (window.transfers === 0) failures.push('cluster after takeover: no transfer reached its REFER');

    const lost = report.waiting;
    if (report.orphaned === 0) failures.push('cluster: killing an instance orphaned no call (were the calls spread?)');
    if (lost > 0) failures.push(`cluster: ${lost} calls not taken over within ${o.takeoverWaitMs} ms`);
    if (report.duplicateAccepts > 0) failures.push(`cluster: ${report.duplicateAccepts} duplicate accepts`);
    if (secondGreetings > 0) failures.push(`cluster: ${secondGreetings} calls greeted twice`);
    await standIn.hangupAll();
    await standIn.setTakeover(false);
    return {
      instances: o.instances,
      answer,
      storm,
      takeover: { ...report, killedPid, liveBefore, liveAfter, lost, secondGreetings, checkedRecords: checked },
      transfersAfter,
    };
  } finally {
    for (const s of servers) {
      const code = await s.stop();
      if (s !== servers[0] && code !== 0) failures.push(`cluster: a server exited with ${code}`);
    }
    await db.drop().catch(() => undefined);
  }
}
