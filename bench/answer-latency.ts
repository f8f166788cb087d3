// Webhook → accept time, as the emulator measures it (first accept received − first webhook sent),
// with the records store off, on SQLite, and on PostgreSQL. Run: node bench/answer-latency.ts [calls] [concurrency]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../src/records/postgres-store.ts';
import { openSqliteStore } from '../src/records/sqlite-store.ts';
import type { Store } from '../src/records/store.ts';
import { startLocalStack } from '../src/testing/local-stack.ts';

const calls = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 20);
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

type Mode = 'off' | 'sqlite' | 'postgres';

async function run(mode: Mode): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const schema = `sb_bench_${process.pid}`;
  let store: Store | undefined;
  if (mode === 'sqlite') store = await openSqliteStore(join(dir, 'switchboard.db'));
  if (mode === 'postgres') store = await openPostgresStore({ connectionString: databaseUrl, schema });
  const stack = await startLocalStack({
    env: {
      API_TOKEN: 'bench-token-0123456789',
      CALL_EVENTS_URL: 'http://127.0.0.1:9/none',
      CALL_EVENTS_SECRET: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    },
    emulator: { playbackMs: 20 },
    server: { store: store ?? null }, // off: no records at all
  });
  const scenario = {
    speechMs: 10,
    steps: [{ say: 'hello, what are your opening hours?' }, { reply: 'We are open nine to five.' }, { hangup: true as const }],
  };
  for (let i = 0; i < 10; i++) await (await stack.emulator.placeCall(scenario)).ended; // warm-up
  const answerMs: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next++;
        const record = await (await stack.emulator.placeCall(scenario)).ended;
        if (record.answerMs !== undefined) answerMs.push(record.answerMs);
      }
    }),
  );
  await stack.close();
  if (store) await store.close();
  if (mode === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  rmSync(dir, { recursive: true, force: true });
  return answerMs;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const results: Record<string, unknown> = { calls, concurrency, node: process.version, at: new Date().toISOString() };
console.log(`webhook → accept (emulator-side), ${calls} calls, ${concurrency} at a time`);
console.log('store     p50 ms  p95 ms  p99 ms  max ms');
for (const mode of ['off', 'sqlite', 'postgres'] as const) {
  const sorted = (await run(mode)).sort((a, b) => a - b);
  const row = { n: sorted.length, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: sorted.at(-1) ?? NaN };
  results[mode] = row;
  console.log(`${mode.padEnd(9)} ${[row.p50, row.p95, row.p99, row.max].map((v) => v.toFixed(2).padStart(6)).join('  ')}`);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/answer-latency-c${concurrency}.json`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
