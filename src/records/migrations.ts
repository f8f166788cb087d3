import { clusterMigrations } from '../cluster/cluster-schema.ts';
import type { SqlDriver } from './sql-driver.ts';

export interface Migration {
  version: number;
  name: string;
  sqlite: readonly string[];
  postgres: readonly string[];
}

// Append only: a released migration never changes. Times are epoch milliseconds.
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'calls, transcripts, timelines, outbox',
    sqlite: [
      `CREATE TABLE calls (
        call_id TEXT PRIMARY KEY,
        caller TEXT,
        dialed TEXT,
        sip_call_id TEXT,
        sip_headers TEXT NOT NULL,
        profile TEXT,
        outcome TEXT NOT NULL,
        end_reason TEXT,
        started_at INTEGER NOT NULL,
        accepted_at INTEGER,
        connected_at INTEGER,
        ended_at INTEGER,
        answer_ms REAL,
        transfer TEXT,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        total_tokens INTEGER NOT NULL DEFAULT 0,
        tools TEXT NOT NULL,
        errors TEXT NOT NULL,
        reconnects INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      )`,
      `CREATE INDEX calls_started ON calls (started_at, call_id)`,
      `CREATE INDEX calls_caller ON calls (caller, started_at)`,
      `CREATE INDEX calls_dialed ON calls (dialed, started_at)`,
      `CREATE TABLE call_turns (
        call_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        at INTEGER NOT NULL,
        item_id TEXT,
        interrupted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (call_id, seq)
      )`,
      `CREATE TABLE call_events (
        call_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (call_id, seq)
      )`,
      `CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        call_id TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        last_error TEXT,
        delivered_at INTEGER
      )`,
      `CREATE INDEX outbox_due ON outbox (status, next_attempt_at)`,
      `CREATE INDEX outbox_call ON outbox (call_id, seq)`,
    ],
    postgres: [
      `CREATE TABLE calls (
        call_id TEXT PRIMARY KEY,
        caller TEXT,
        dialed TEXT,
        sip_call_id TEXT,
        sip_headers JSONB NOT NULL,
        profile TEXT,
        outcome TEXT NOT NULL,
        end_reason TEXT,
        started_at BIGINT NOT NULL,
        accepted_at BIGINT,
        connected_at BIGINT,
        ended_at BIGINT,
        answer_ms DOUBLE PRECISION,
        transfer JSONB,
        input_tokens BIGINT NOT NULL DEFAULT 0,
        output_tokens BIGINT NOT NULL DEFAULT 0,
        total_tokens BIGINT NOT NULL DEFAULT 0,
        tools JSONB NOT NULL,
        errors JSONB NOT NULL,
        reconnects INTEGER NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE INDEX calls_started ON calls (started_at, call_id)`,
      `CREATE INDEX calls_caller ON calls (caller, started_at)`,
      `CREATE INDEX calls_dialed ON calls (dialed, started_at)`,
      `CREATE TABLE call_turns (
        call_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        at BIGINT NOT NULL,
        item_id TEXT,
        interrupted SMALLINT NOT NULL DEFAULT 0,
        PRIMARY KEY (call_id, seq)
      )`,
      `CREATE TABLE call_events (
        call_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at BIGINT NOT NULL,
        type TEXT NOT NULL,
        data JSONB NOT NULL,
        PRIMARY KEY (call_id, seq)
      )`,
      `CREATE TABLE outbox (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        call_id TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT,
        last_error TEXT,
        delivered_at BIGINT
      )`,
      `CREATE INDEX outbox_due ON outbox (status, next_attempt_at)`,
      `CREATE INDEX outbox_call ON outbox (call_id, seq)`,
    ],
  },
  {
    version: 2,
    name: 'the instance that controls a call',
    // At startup an instance resolves the calls it left in progress (crashed): it finds them by owner.
    sqlite: [`ALTER TABLE calls ADD COLUMN owner TEXT`, `CREATE INDEX calls_in_progress ON calls (owner) WHERE outcome = 'in_progress'`],
    postgres: [`ALTER TABLE calls ADD COLUMN owner TEXT`, `CREATE INDEX calls_in_progress ON calls (owner) WHERE outcome = 'in_progress'`],
  },
  {
    version: 3,
    name: 'models, usage detail, cost, post-call analysis',
    sqlite: [
      `ALTER TABLE calls ADD COLUMN model TEXT`,
      `ALTER TABLE calls ADD COLUMN transcription_model TEXT`,
      `ALTER TABLE calls ADD COLUMN usage_detail TEXT`,
      `ALTER TABLE calls ADD COLUMN cost TEXT`,
      `ALTER TABLE calls ADD COLUMN cost_usd REAL`,
      `ALTER TABLE calls ADD COLUMN analysis TEXT`,
      `ALTER TABLE calls ADD COLUMN analysis_status TEXT`,
      `ALTER TABLE calls ADD COLUMN analysis_next_at INTEGER`,
      `ALTER TABLE calls ADD COLUMN analysis_lease_until INTEGER`,
      `ALTER TABLE calls ADD COLUMN success INTEGER`,
      `CREATE INDEX calls_analysis_due ON calls (analysis_status, analysis_next_at)`,
    ],
    postgres: [
      `ALTER TABLE calls ADD COLUMN model TEXT`,
      `ALTER TABLE calls ADD COLUMN transcription_model TEXT`,
      `ALTER TABLE calls ADD COLUMN usage_detail JSONB`,
      `ALTER TABLE calls ADD COLUMN cost JSONB`,
      `ALTER TABLE calls ADD COLUMN cost_usd DOUBLE PRECISION`,
      `ALTER TABLE calls ADD COLUMN analysis JSONB`,
      `ALTER TABLE calls ADD COLUMN analysis_status TEXT`,
      `ALTER TABLE calls ADD COLUMN analysis_next_at BIGINT`,
      `ALTER TABLE calls ADD COLUMN analysis_lease_until BIGINT`,
      `ALTER TABLE calls ADD COLUMN success SMALLINT`,
      `CREATE INDEX calls_analysis_due ON calls (analysis_status, analysis_next_at)`,
    ],
  },
  ...clusterMigrations,
  {
    version: 5,
    name: 'calls: the surface that served it, whether it is recorded (GPT-Live)',
    sqlite: [
      `ALTER TABLE calls ADD COLUMN surface TEXT NOT NULL DEFAULT 'realtime'`,
      `ALTER TABLE calls ADD COLUMN recording INTEGER NOT NULL DEFAULT 0`,
    ],
    postgres: [
      `ALTER TABLE calls ADD COLUMN surface TEXT NOT NULL DEFAULT 'realtime'`,
      `ALTER TABLE calls ADD COLUMN recording SMALLINT NOT NULL DEFAULT 0`,
    ],
  },
];

/**
 * Applies the missing migrations in one transaction. On PostgreSQL an advisory
 * lock makes instances that start together take turns.
 */
export async function migrate(driver: SqlDriver, list: readonly Migration[] = migrations): Promise<number[]> {
  return driver.transaction(async (tx) => {
    if (driver.dialect === 'postgres') {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.switchboard_migrations'))`);
    }
    await tx.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const rows = await tx.query(`SELECT version FROM schema_migrations`);
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      for (const statement of driver.dialect === 'postgres' ? m.postgres : m.sqlite) await tx.run(statement);
      await tx.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
      done.push(m.version);
    }
    return done;
  });
}
