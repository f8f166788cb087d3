// The overview's figures for a time range, computed by the database: calls per bucket by
// outcome, answer-time percentiles, transfers and their reasons, duration, cost, the
// busiest numbers and profiles. The SQL is shared; the dialects differ only in JSON access.
import { type Outcome, outcomes } from '../records/call-record.ts';
import type { SqlExecutor, SqlValue } from '../records/sql-driver.ts';

export const statsBuckets = { hour: 3_600_000, day: 86_400_000 } as const;
export type StatsBucket = keyof typeof statsBuckets;

export interface StatsQuery {
  /** Inclusive, epoch ms; buckets start here. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
  bucket: StatsBucket;
  /** How many reasons, numbers and profiles to list. */
  top: number;
}

export interface Ranked {
  key: string | null;
  calls: number;
}

export interface CallStats {
  from: string;
  to: string;
  bucket: StatsBucket;
  /** Start of each bucket (ISO), and per outcome the calls that started in it. */
  series: { starts: string[]; byOutcome: Record<Outcome, number[]> };
  totals: { calls: number; answered: number; byOutcome: Record<Outcome, number> };
  /** Webhook → accept, nearest-rank percentiles; null without answered calls. */
  answerMs: { p50: number | null; p95: number | null; count: number };
  transfers: { count: number; rate: number | null; topReasons: Ranked[] };
  /** Answered calls that ended: from the answer to the end. */
  duration: { averageSeconds: number | null; count: number };
  /** Answered calls: what they cost in dollars (with their analysis). */
  cost: { totalUsd: number; averageUsd: number | null; count: number };
  analysis: { done: number; success: number; failure: number };
  busiestNumbers: Ranked[];
  busiestProfiles: Ranked[];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function zeroByOutcome(): Record<Outcome, number> {
  return Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<Outcome, number>;
}

export async function callStats(db: SqlExecutor, dialect: 'sqlite' | 'postgres', q: StatsQuery): Promise<CallStats> {
  const bucketMs = statsBuckets[q.bucket];
  const buckets = Math.max(1, Math.ceil((q.toMs - q.fromMs) / bucketMs));
  const range = `started_at >= $1 AND started_at < $2`;
  const p: SqlValue[] = [q.fromMs, q.toMs];

  const perBucket = await db.query(
    `SELECT (started_at - $1) / $3 AS b, outcome, COUNT(*) AS n FROM calls WHERE ${range} GROUP BY (started_at - $1) / $3, outcome`,
    [...p, bucketMs],
  );
  const byOutcome = Object.fromEntries(outcomes.map((o) => [o, new Array<number>(buckets).fill(0)])) as Record<Outcome, number[]>;
  const totalsByOutcome = zeroByOutcome();
  for (const r of perBucket) {
    const outcome = String(r.outcome) as Outcome;
    const b = Math.floor(num(r.b));
    const series = byOutcome[outcome];
    if (!series || b < 0 || b >= buckets) continue;
    series[b] = (series[b] ?? 0) + num(r.n);
    totalsByOutcome[outcome] += num(r.n);
  }

  // Nearest rank: the smallest value whose rank reaches p·n. Window functions work the same in both databases.
  const [pct] = await db.query(
    `SELECT MIN(CASE WHEN rn >= 0.5 * n THEN answer_ms END) AS p50, MIN(CASE WHEN rn >= 0.95 * n THEN answer_ms END) AS p95, MAX(n) AS n
     FROM (SELECT answer_ms, ROW_NUMBER() OVER (ORDER BY answer_ms) AS rn, COUNT(*) OVER () AS n FROM calls WHERE ${range} AND answer_ms IS NOT NULL) ranked`,
    p,
  );

  const [agg] = await db.query(
    `SELECT COUNT(*) AS calls,
       SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS answered,
       SUM(CASE WHEN outcome = 'transferred' THEN 1 ELSE 0 END) AS transferred,
       AVG(CASE WHEN accepted_at IS NOT NULL AND ended_at IS NOT NULL THEN ended_at - accepted_at END) AS avg_duration_ms,
       COUNT(CASE WHEN accepted_at IS NOT NULL AND ended_at IS NOT NULL THEN 1 END) AS durations,
       SUM(CASE WHEN accepted_at IS NOT NULL THEN cost_usd END) AS total_cost,
       AVG(CASE WHEN accepted_at IS NOT NULL THEN cost_usd END) AS avg_cost,
       COUNT(CASE WHEN accepted_at IS NOT NULL THEN cost_usd END) AS costed,
       SUM(CASE WHEN analysis_status = 'done' THEN 1 ELSE 0 END) AS analysed,
       SUM(CASE WHEN success = 1 THEN 1 ELSE 0 END) AS succeeded,
       SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) AS unsucceeded
     FROM calls WHERE ${range}`,
    p,
  );

  const reason = dialect === 'postgres' ? `transfer->>'reason'` : `json_extract(transfer, '$.reason')`;
  const ranked = (sql: string) =>
    db
      .query(`${sql} LIMIT $3`, [...p, q.top])
      .then((rows) => rows.map((r) => ({ key: r.k === '' || r.k === null ? null : String(r.k), calls: num(r.n) })));
  const topReasons = await ranked(
    `SELECT COALESCE(lower(trim(${reason})), '') AS k, COUNT(*) AS n FROM calls WHERE ${range} AND outcome = 'transferred' GROUP BY 1 ORDER BY n DESC, k`,
  );
  const busiestNumbers = await ranked(
    `SELECT dialed AS k, COUNT(*) AS n FROM calls WHERE ${range} AND dialed IS NOT NULL GROUP BY dialed ORDER BY n DESC, k`,
  );
  const busiestProfiles = await ranked(
    `SELECT profile AS k, COUNT(*) AS n FROM calls WHERE ${range} AND profile IS NOT NULL GROUP BY profile ORDER BY n DESC, k`,
  );

  const answered = num(agg?.answered);
  const transferred = num(agg?.transferred);
  const avgDuration = numOrNull(agg?.avg_duration_ms);
  const avgCost = numOrNull(agg?.avg_cost);
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    bucket: q.bucket,
    series: { starts: Array.from({ length: buckets }, (_, i) => new Date(q.fromMs + i * bucketMs).toISOString()), byOutcome },
    totals: { calls: num(agg?.calls), answered, byOutcome: totalsByOutcome },
    answerMs: { p50: numOrNull(pct?.p50), p95: numOrNull(pct?.p95), count: num(pct?.n) },
    transfers: { count: transferred, rate: answered > 0 ? transferred / answered : null, topReasons },
    duration: { averageSeconds: avgDuration === null ? null : Math.round(avgDuration / 100) / 10, count: num(agg?.durations) },
    cost: {
      totalUsd: Math.round(num(agg?.total_cost) * 1e6) / 1e6,
      averageUsd: avgCost === null ? null : Math.round(avgCost * 1e6) / 1e6,
      count: num(agg?.costed),
    },
    analysis: { done: num(agg?.analysed), success: num(agg?.succeeded), failure: num(agg?.unsucceeded) },
    busiestNumbers,
    busiestProfiles,
  };
}
