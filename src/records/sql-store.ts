import type { Speaker } from '../calls/call-events.ts';
import { emptyUsageDetail } from '../cost/usage.ts';
import type { CallEventType, OutboxDelivery, OutboxMessage, OutboxStats } from '../outbox/outbox-store.ts';
import { type CallStats, callStats, type StatsQuery } from '../stats/call-stats.ts';
import type { CallDetail, CallPage, CallQuery, CallRecord, FieldFilter, Outcome, TimelineEntry, TranscriptTurn } from './call-record.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { writeSliceMs, yieldToLoop } from './loop-slices.ts';
import type { SqlDriver, SqlExecutor, SqlRow, SqlStatement, SqlValue } from './sql-driver.ts';
import { transactionSliceMs } from './sqlite-writer-thread.ts';
import type { AnalysisSave, CallProgress, Store, StoreBatch } from './store.ts';

const callColumns = [
  'call_id',
  'caller',
  'dialed',
  'sip_call_id',
  'sip_headers',
  'profile',
  'outcome',
  'end_reason',
  'started_at',
  'accepted_at',
  'connected_at',
  'ended_at',
  'answer_ms',
  'transfer',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'tools',
  'errors',
  'reconnects',
  'updated_at',
  'owner',
  'model',
  'transcription_model',
  'usage_detail',
  'surface',
  'recording',
] as const;

// Set by the recorder when the call ends; from then on the analysis worker owns them, so a rewrite of the record never undoes its work.
const postCallColumns = ['cost', 'cost_usd', 'analysis', 'analysis_status', 'analysis_next_at', 'success'] as const;
const allColumns = [...callColumns, ...postCallColumns];

/** An INSERT of one or more rows: `INSERT INTO t (columns) VALUES (…), (…) <tail>`. */
interface RowsInsert {
  head: string;
  width: number;
  tail: string;
}

const callsInsert: RowsInsert = {
  head: `INSERT INTO calls (${allColumns.join(', ')}) VALUES`,
  width: allColumns.length,
  tail: `ON CONFLICT (call_id) DO UPDATE SET ${[
    ...callColumns.slice(1).map((c) => `${c} = excluded.${c}`),
    ...postCallColumns.map((c) => `${c} = CASE WHEN calls.analysis_status IS NULL THEN excluded.${c} ELSE calls.${c} END`),
  ].join(', ')}`,
};
const turnsInsert: RowsInsert = {
  head: 'INSERT INTO call_turns (call_id, seq, speaker, text, at, item_id, interrupted) VALUES',
  width: 7,
  tail: 'ON CONFLICT (call_id, seq) DO UPDATE SET text = excluded.text, interrupted = excluded.interrupted',
};
const eventsInsert: RowsInsert = {
  head: 'INSERT INTO call_events (call_id, seq, at, type, data) VALUES',
  width: 5,
  tail: 'ON CONFLICT (call_id, seq) DO NOTHING',
};
const outboxInsert: RowsInsert = {
  head: 'INSERT INTO outbox (id, call_id, type, payload, created_at, next_attempt_at) VALUES',
  width: 6,
  tail: 'ON CONFLICT (id) DO NOTHING',
};

/** The statement for `rows` rows of `insert`, placeholders numbered from $1. */
function rowsSql(insert: RowsInsert, rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) {
    const from = r * insert.width;
    values.push(`(${Array.from({ length: insert.width }, (_, c) => `$${from + c + 1}`).join(', ')})`);
  }
  return `${insert.head} ${values.join(', ')} ${insert.tail}`;
}

const upsertCall = rowsSql(callsInsert, 1);
// Only the running totals: no other column, and so no index, is touched.
const updateProgress =
  'UPDATE calls SET input_tokens = $2, output_tokens = $3, total_tokens = $4, usage_detail = $5, updated_at = $6 WHERE call_id = $1';
const progressWidth = 6;

/** PostgreSQL: `rows` progress updates in one statement (the first row's casts type the VALUES list). */
function progressRowsSql(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = (c: number) => `$${r * progressWidth + c}`;
    values.push(
      r === 0
        ? `(${p(1)}::text, ${p(2)}::bigint, ${p(3)}::bigint, ${p(4)}::bigint, ${p(5)}::jsonb, ${p(6)}::bigint)`
        : `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)})`,
    );
  }
  return `UPDATE calls AS c SET input_tokens = v.input_tokens, output_tokens = v.output_tokens, total_tokens = v.total_tokens,
    usage_detail = v.usage_detail, updated_at = v.updated_at
    FROM (VALUES ${values.join(', ')}) AS v (call_id, input_tokens, output_tokens, total_tokens, usage_detail, updated_at)
    WHERE c.call_id = v.call_id`;
}
const upsertTurn = rowsSql(turnsInsert, 1);
const insertEvent = rowsSql(eventsInsert, 1);

/** Rows per multi-row statement on PostgreSQL: well under its 65,535 parameters, a few round trips a batch. */
const maxParamsPerStatement = 20_000;

const insertOutbox = rowsSql(outboxInsert, 1);

interface CallRows {
  callId: string;
  call: CallRecord | null;
  progress: CallProgress | null;
  turns: TranscriptTurn[];
  events: TimelineEntry[];
  outbox: OutboxMessage[];
}

/** One call's rows of a batch as statements: the record, then its transcript turns, timeline and webhooks. */
function callStatements(rows: CallRows): SqlStatement[] {
  const out: SqlStatement[] = [];
  if (rows.call) out.push([upsertCall, callParams(rows.call)]);
  else if (rows.progress) out.push([updateProgress, progressParams(rows.progress)]);
  for (const turn of rows.turns) {
    out.push([upsertTurn, [rows.callId, turn.seq, turn.speaker, turn.text, ms(turn.at), turn.itemId, turn.interrupted ? 1 : 0]]);
  }
  for (const entry of rows.events) out.push([insertEvent, [rows.callId, entry.seq, ms(entry.at), entry.type, JSON.stringify(entry.data)]]);
  for (const m of rows.outbox) out.push([insertOutbox, outboxParams(m)]);
  return out;
}

/** A batch's rows by call, each part in the batch's order. */
function rowsByCall(batch: StoreBatch): Map<string, CallRows> {
  const byCall = new Map<string, CallRows>();
  const of = (callId: string): CallRows => {
    let rows = byCall.get(callId);
    if (!rows) byCall.set(callId, (rows = { callId, call: null, progress: null, turns: [], events: [], outbox: [] }));
    return rows;
  };
  for (const call of batch.calls) of(call.callId).call = call;
  for (const p of batch.progress) of(p.callId).progress = p;
  for (const { callId, turn } of batch.turns) of(callId).turns.push(turn);
  for (const { callId, entry } of batch.events) of(callId).events.push(entry);
  for (const m of batch.outbox) of(m.callId).outbox.push(m);
  return byCall;
}

const ms = (iso: string): number => Date.parse(iso);
const msOrNull = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const iso = (v: unknown): string => new Date(Number(v)).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
const num = (v: unknown): number => Number(v);
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
// PostgreSQL returns jsonb parsed, SQLite returns the text.
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function callParams(c: CallRecord): SqlValue[] {
  return [
    c.callId,
    c.caller,
    c.dialed,
    c.sipCallId,
    JSON.stringify(c.sipHeaders),
    c.profile,
    c.outcome,
    c.endReason,
    ms(c.startedAt),
    msOrNull(c.acceptedAt),
    msOrNull(c.connectedAt),
    msOrNull(c.endedAt),
    c.answerMs,
    c.transfer === null ? null : JSON.stringify(c.transfer),
    c.usage.inputTokens,
    c.usage.outputTokens,
    c.usage.totalTokens,
    JSON.stringify(c.tools),
    JSON.stringify(c.errors),
    c.reconnects,
    ms(c.updatedAt),
    c.owner,
    c.model ?? null,
    c.transcriptionModel ?? null,
    JSON.stringify(c.usageDetail ?? emptyUsageDetail()),
    c.surface,
    c.recording ? 1 : 0,
    ...postCallParams(c),
  ];
}

function progressParams(p: CallProgress): SqlValue[] {
  return [p.callId, p.usage.inputTokens, p.usage.outputTokens, p.usage.totalTokens, JSON.stringify(p.usageDetail), ms(p.updatedAt)];
}

function postCallParams(c: Pick<CallRecord, 'cost' | 'analysis'>): SqlValue[] {
  const a = c.analysis ?? null;
  return [
    c.cost ? JSON.stringify(c.cost) : null,
    c.cost ? c.cost.totalUsd : null,
    a ? JSON.stringify(a) : null,
    a ? a.status : null,
    a?.nextAttemptAt ? ms(a.nextAttemptAt) : null,
    a?.success === true ? 1 : a?.success === false ? 0 : null,
  ];
}

function toCall(r: SqlRow): CallRecord {
  return {
    callId: String(r.call_id),
    caller: str(r.caller),
    dialed: str(r.dialed),
    sipCallId: str(r.sip_call_id),
    sipHeaders: json(r.sip_headers),
    profile: str(r.profile),
    surface: r.surface === 'live' ? 'live' : 'realtime',
    recording: num(r.recording) === 1,
    outcome: String(r.outcome) as Outcome,
    endReason: str(r.end_reason),
    startedAt: iso(r.started_at),
    acceptedAt: isoOrNull(r.accepted_at),
    connectedAt: isoOrNull(r.connected_at),
    endedAt: isoOrNull(r.ended_at),
    answerMs: r.answer_ms === null || r.answer_ms === undefined ? null : num(r.answer_ms),
    transfer: r.transfer === null || r.transfer === undefined ? null : json(r.transfer),
    usage: { inputTokens: num(r.input_tokens), outputTokens: num(r.output_tokens), totalTokens: num(r.total_tokens) },
    tools: json(r.tools),
    errors: json(r.errors),
    reconnects: num(r.reconnects),
    updatedAt: iso(r.updated_at),
    owner: str(r.owner),
    model: str(r.model),
    transcriptionModel: str(r.transcription_model),
    usageDetail: r.usage_detail === null || r.usage_detail === undefined ? emptyUsageDetail() : json(r.usage_detail),
    cost: r.cost === null || r.cost === undefined ? null : json(r.cost),
    analysis: r.analysis === null || r.analysis === undefined ? null : json(r.analysis),
  };
}

const outboxParams = (m: OutboxMessage): SqlValue[] => [m.id, m.callId, m.type, m.payload, ms(m.createdAt), ms(m.createdAt)];

function toTurn(r: SqlRow): TranscriptTurn {
  return {
    seq: num(r.seq),
    speaker: String(r.speaker) as Speaker,
    text: String(r.text),
    at: iso(r.at),
    itemId: str(r.item_id),
    interrupted: num(r.interrupted) === 1,
  };
}

function toEntry(r: SqlRow): TimelineEntry {
  return { seq: num(r.seq), at: iso(r.at), type: String(r.type), data: json(r.data) };
}

function toDelivery(r: SqlRow): OutboxDelivery {
  return {
    id: String(r.id),
    callId: String(r.call_id),
    type: String(r.type) as CallEventType,
    payload: String(r.payload),
    createdAt: iso(r.created_at),
    attempts: num(r.attempts),
  };
}

const fieldKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The JSON texts a filter value matches: what it parses to (true, 42, null) and the same text as a string. */
export function fieldCandidates(value: string): string[] {
  const asString = JSON.stringify(value);
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed === 'boolean' || typeof parsed === 'number') return [JSON.stringify(parsed), asString];
  } catch {
    // not a JSON scalar: text only
  }
  return [asString];
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The Store over any SqlDriver: the SQL is shared, the dialects differ only where marked. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  private readonly db: SqlDriver;

  constructor(db: SqlDriver) {
    this.db = db;
    this.kind = db.dialect;
  }

  /** The connection, for what shares it (SQLite's coordination: one connection per file and process). */
  get driver(): SqlDriver {
    return this.db;
  }

  async writeBatch(batch: StoreBatch): Promise<void> {
    if (this.kind === 'postgres') return this.writeBatchInRows(batch);
    // A synchronous driver (node:sqlite) runs every statement, and the commit, on the thread that
    // calls it: a batch of a thousand live calls held the event loop for 100 ms and more, 10–50 ms
    // of it in single COMMITs (a commit writes every page the transaction changed). So the batch
    // goes as one group of statements per call (a reader never sees half of one call's write),
    // committed a few at a time: on the records writer's own thread when there is one, else here,
    // with a turn of the loop every few ms. A batch that fails part way is retried whole: every
    // row is an upsert.
    const byCall = [...rowsByCall(batch).values()];
    if (this.db.writesOffLoop?.()) {
      // Built and posted a few ms at a time too: one piece for a thousand calls held the loop ~15 ms.
      const posted: Promise<void>[] = [];
      let piece: SqlStatement[][] = [];
      let sliceFrom = performance.now();
      for (const rows of byCall) {
        piece.push(callStatements(rows));
        if (performance.now() - sliceFrom < writeSliceMs) continue;
        posted.push(this.db.writeOffLoop!(piece));
        piece = [];
        await yieldToLoop();
        sliceFrom = performance.now();
      }
      if (piece.length > 0) posted.push(this.db.writeOffLoop!(piece));
      await Promise.all(posted);
      return;
    }
    const groups = byCall.map(callStatements);
    let next = 0;
    while (next < groups.length) {
      await this.db.transaction(async (tx) => {
        const txFrom = performance.now();
        let sliceFrom = txFrom;
        do {
          for (const [sql, params] of groups[next++]!) {
            await tx.run(sql, params);
            if (performance.now() - sliceFrom >= writeSliceMs) {
              await yieldToLoop();
              sliceFrom = performance.now();
            }
          }
        } while (next < groups.length && performance.now() - txFrom < transactionSliceMs);
      });
      if (next < groups.length) await yieldToLoop();
    }
  }

  /**
   * PostgreSQL: each table's rows in multi-row statements, a few round trips a batch instead of one
   * a row. One a row capped a busy instance's writer at its round trips: under load it fell
   * seconds behind, and an instance killed then left calls without a record to take them over by.
   */
  private async writeBatchInRows(batch: StoreBatch): Promise<void> {
    // One statement may not touch a row twice: the last version of each key wins.
    const lastBy = <T>(items: readonly T[], key: (item: T) => string): T[] => [...new Map(items.map((i) => [key(i), i])).values()];
    const calls = lastBy(batch.calls, (c) => c.callId).map(callParams);
    // A call whose whole row is in this batch needs no progress update.
    const whole = new Set(batch.calls.map((c) => c.callId));
    const progress = lastBy(
      batch.progress.filter((p) => !whole.has(p.callId)),
      (p) => p.callId,
    ).map(progressParams);
    const turns = lastBy(batch.turns, (t) => `${t.callId} ${t.turn.seq}`).map(({ callId, turn }) => [
      callId,
      turn.seq,
      turn.speaker,
      turn.text,
      ms(turn.at),
      turn.itemId,
      turn.interrupted ? 1 : 0,
    ]);
    const events = lastBy(batch.events, (e) => `${e.callId} ${e.entry.seq}`).map(({ callId, entry }) => [
      callId,
      entry.seq,
      ms(entry.at),
      entry.type,
      JSON.stringify(entry.data),
    ]);
    const outbox = lastBy(batch.outbox, (m) => m.id).map(outboxParams);
    await this.db.transaction(async (tx) => {
      const perProgress = Math.floor(maxParamsPerStatement / progressWidth);
      for (let i = 0; i < progress.length; i += perProgress) {
        const chunk = progress.slice(i, i + perProgress);
        await tx.run(progressRowsSql(chunk.length), chunk.flat());
      }
      for (const [insert, rows] of [
        [callsInsert, calls],
        [turnsInsert, turns],
        [eventsInsert, events],
        [outboxInsert, outbox],
      ] as const) {
        const perStatement = Math.max(1, Math.floor(maxParamsPerStatement / insert.width));
        for (let i = 0; i < rows.length; i += perStatement) {
          const chunk = rows.slice(i, i + perStatement);
          await tx.run(rowsSql(insert, chunk.length), chunk.flat());
        }
      }
    });
  }

  async getCall(callId: string): Promise<CallDetail | null> {
    const [row] = await this.db.query(`SELECT * FROM calls WHERE call_id = $1`, [callId]);
    if (!row) return null;
    const turns = await this.db.query(`SELECT * FROM call_turns WHERE call_id = $1 ORDER BY seq`, [callId]);
    const events = await this.db.query(`SELECT * FROM call_events WHERE call_id = $1 ORDER BY seq`, [callId]);
    return { ...toCall(row), transcript: turns.map(toTurn), timeline: events.map(toEntry) };
  }

  async inProgressCalls(opts: { owner?: string } = {}): Promise<CallDetail[]> {
    const rows =
      opts.owner === undefined
        ? await this.db.query(`SELECT call_id FROM calls WHERE outcome = 'in_progress' ORDER BY started_at`)
        : await this.db.query(`SELECT call_id FROM calls WHERE outcome = 'in_progress' AND owner = $1 ORDER BY started_at`, [opts.owner]);
    const calls: CallDetail[] = [];
    for (const row of rows) {
      const call = await this.getCall(String(row.call_id));
      if (call) calls.push(call);
    }
    return calls;
  }

  async listCalls(q: CallQuery): Promise<CallPage> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: (p: string) => string, value: SqlValue) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (q.caller !== undefined) add((p) => `c.caller = ${p}`, q.caller);
    if (q.dialed !== undefined) add((p) => `c.dialed = ${p}`, q.dialed);
    if (q.outcome !== undefined) add((p) => `c.outcome = ${p}`, q.outcome);
    if (q.from !== undefined) add((p) => `c.started_at >= ${p}`, ms(q.from));
    if (q.to !== undefined) add((p) => `c.started_at < ${p}`, ms(q.to));
    if (q.text !== undefined) {
      add(
        (p) => `EXISTS (SELECT 1 FROM call_turns t WHERE t.call_id = c.call_id AND lower(t.text) LIKE ${p} ESCAPE '\\')`,
        likePattern(q.text),
      );
    }
    if (q.success !== undefined) add((p) => `c.success = ${p}`, q.success ? 1 : 0);
    if (q.analysis !== undefined) add((p) => `c.analysis_status = ${p}`, q.analysis);
    for (const f of q.fields ?? []) where.push(this.fieldClause(f, params));
    if (q.cursor !== undefined) {
      const cursor = decodeCursor(q.cursor);
      if (!cursor) throw new TypeError('invalid cursor');
      params.push(cursor.startedAtMs, cursor.callId);
      const t = `$${params.length - 1}`;
      const id = `$${params.length}`;
      where.push(`(c.started_at < ${t} OR (c.started_at = ${t} AND c.call_id < ${id}))`);
    }
    params.push(q.limit + 1);
    const sql = `SELECT c.* FROM calls c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.started_at DESC, c.call_id DESC LIMIT $${params.length}`;
    const rows = await this.db.query(sql, params);
    const calls = rows.slice(0, q.limit).map(toCall);
    const last = calls[calls.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor({ startedAtMs: ms(last.startedAt), callId: last.callId }) : null;
    return { calls, nextCursor };
  }

  /** `analysis.fields.<path>` equals one of the value's JSON forms. Keys are plain names (checked), values always parameters. */
  private fieldClause(f: FieldFilter, params: SqlValue[]): string {
    if (f.path.length === 0 || !f.path.every((k) => fieldKey.test(k))) throw new TypeError(`invalid field path: ${f.path.join('.')}`);
    const candidates = fieldCandidates(f.value);
    const slots = candidates.map((c) => {
      params.push(c);
      return this.db.dialect === 'postgres' ? `$${params.length}::jsonb` : `$${params.length}`;
    });
    if (this.db.dialect === 'postgres') {
      params.push(`{fields,${f.path.join(',')}}`);
      return `(c.analysis #> $${params.length}::text[]) IN (${slots.join(', ')})`;
    }
    params.push(`$.fields.${f.path.join('.')}`);
    return `(c.analysis -> $${params.length}) IN (${slots.join(', ')})`;
  }

  async claimAnalyses(opts: { now: Date; limit: number; leaseMs: number }): Promise<string[]> {
    const now = opts.now.getTime();
    const lock = this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `UPDATE calls SET analysis_lease_until = $2
         WHERE call_id IN (
           SELECT call_id FROM calls
           WHERE analysis_status = 'pending' AND analysis_next_at <= $1 AND (analysis_lease_until IS NULL OR analysis_lease_until <= $1)
           ORDER BY analysis_next_at LIMIT $3 ${lock}
         )
         RETURNING call_id`,
        [now, now + opts.leaseMs, opts.limit],
      ),
    );
    return rows.map((r) => String(r.call_id));
  }

  async saveAnalysis(callId: string, save: AnalysisSave): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [cost, costUsd, analysis, status, nextAt, success] = postCallParams({ cost: save.cost ?? null, analysis: save.analysis });
      if (save.cost !== undefined) {
        await tx.run(`UPDATE calls SET cost = $2, cost_usd = $3 WHERE call_id = $1`, [callId, cost ?? null, costUsd ?? null]);
      }
      await tx.run(
        `UPDATE calls SET analysis = $2, analysis_status = $3, analysis_next_at = $4, success = $5, analysis_lease_until = NULL WHERE call_id = $1`,
        [callId, analysis ?? null, status ?? null, nextAt ?? null, success ?? null],
      );
      if (save.outbox) await tx.run(insertOutbox, outboxParams(save.outbox));
    });
  }

  stats(query: StatsQuery): Promise<CallStats> {
    return callStats(this.db, this.db.dialect, query);
  }

  async purge(before: Date): Promise<{ calls: number; outbox: number }> {
    const cutoff = before.getTime();
    return this.db.transaction(async (tx) => {
      const old = `SELECT call_id FROM calls WHERE started_at < $1 AND outcome <> 'in_progress'`;
      await tx.run(`DELETE FROM call_turns WHERE call_id IN (${old})`, [cutoff]);
      await tx.run(`DELETE FROM call_events WHERE call_id IN (${old})`, [cutoff]);
      const calls = await tx.run(`DELETE FROM calls WHERE started_at < $1 AND outcome <> 'in_progress'`, [cutoff]);
      const outbox = await tx.run(`DELETE FROM outbox WHERE created_at < $1 AND status <> 'pending'`, [cutoff]);
      return { calls, outbox };
    });
  }

  async claimOutbox(opts: { now: Date; limit: number; leaseMs: number }): Promise<OutboxDelivery[]> {
    const now = opts.now.getTime();
    // PostgreSQL: rows another instance is claiming right now are skipped, not waited for.
    const lock = this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `UPDATE outbox SET lease_until = $2
         WHERE seq IN (
           SELECT o.seq FROM outbox o
           WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.call_id = o.call_id AND p.status = 'pending' AND p.seq < o.seq)
           ORDER BY o.seq LIMIT $3 ${lock}
         )
         RETURNING *`,
        [now, now + opts.leaseMs, opts.limit],
      ),
    );
    return rows.sort((a, b) => num(a.seq) - num(b.seq)).map(toDelivery);
  }

  async markDelivered(id: string, at: Date): Promise<void> {
    await this.db.run(
      `UPDATE outbox SET status = 'delivered', delivered_at = $2, attempts = attempts + 1, lease_until = NULL, last_error = NULL WHERE id = $1`,
      [id, at.getTime()],
    );
  }

  async markRetry(id: string, opts: { attempts: number; nextAttemptAt: Date; error: string }): Promise<void> {
    await this.db.run(
      `UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, lease_until = NULL WHERE id = $1 AND status = 'pending'`,
      [id, opts.attempts, opts.nextAttemptAt.getTime(), opts.error],
    );
  }

  async markDead(id: string, opts: { attempts: number; error: string }): Promise<void> {
    await this.db.run(
      `UPDATE outbox SET status = 'dead', attempts = $2, last_error = $3, lease_until = NULL WHERE id = $1 AND status = 'pending'`,
      [id, opts.attempts, opts.error],
    );
  }

  async releaseLeases(ids: readonly string[]): Promise<void> {
    await this.db.transaction(async (tx: SqlExecutor) => {
      for (const id of ids) await tx.run(`UPDATE outbox SET lease_until = NULL WHERE id = $1 AND status = 'pending'`, [id]);
    });
  }

  async releaseAllLeases(): Promise<number> {
    return this.db.run(`UPDATE outbox SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL`);
  }

  async outboxStats(): Promise<OutboxStats> {
    const rows = await this.db.query(`SELECT status, COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'dead') GROUP BY status`);
    const count = (status: string) => num(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: count('pending'), dead: count('dead') };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
