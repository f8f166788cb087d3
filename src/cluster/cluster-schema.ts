// The coordination tables: who is alive, who owns each call, which tool calls ran.
// Versioned with the records' migrations (same runner, same database); times are epoch ms.
import type { Migration } from '../records/migrations.ts';

// Same statements on both databases except the column types.
const tables = (big: string) => [
  `CREATE TABLE cluster_instances (
    instance_id TEXT PRIMARY KEY,
    started_at ${big} NOT NULL,
    heartbeat_at ${big} NOT NULL,
    lease_until ${big} NOT NULL,
    state TEXT NOT NULL
  )`,
  // One row per call: the first instance to insert it accepts the call. correlation_key is
  // shared by every webhook of one SIP call (Call-ID and From tag), so a second surface's
  // webhook for the same call conflicts too. epoch grows at each change of owner.
  `CREATE TABLE call_claims (
    call_id TEXT PRIMARY KEY,
    correlation_key TEXT UNIQUE,
    owner TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    state TEXT NOT NULL,
    claimed_at ${big} NOT NULL,
    updated_at ${big} NOT NULL,
    takeovers INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE INDEX call_claims_owner ON call_claims (owner, state)`,
  `CREATE INDEX call_claims_state ON call_claims (state, updated_at)`,
  `CREATE TABLE tool_claims (
    call_id TEXT NOT NULL,
    tool_call_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at ${big} NOT NULL,
    PRIMARY KEY (call_id, tool_call_id)
  )`,
  // Relay messages too large for one NOTIFY payload wait here until read.
  `CREATE TABLE relay_messages (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at ${big} NOT NULL
  )`,
];

export const clusterMigrations: readonly Migration[] = [
  {
    version: 4,
    name: 'cluster: instances, call claims, tool claims, relay messages',
    sqlite: tables('INTEGER'),
    postgres: tables('BIGINT'),
  },
];
