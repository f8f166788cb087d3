import type { Logger } from '../log/logger.ts';
import { migrate } from '../records/migrations.ts';
import type { SqlDriver } from '../records/sql-driver.ts';
import { SqlStore } from '../records/sql-store.ts';
import type { Store } from '../records/store.ts';
import type { Clock } from '../time/clock.ts';
import type { Coordination } from './coordination.ts';
import { PgNotifyTransport } from './pg-notify-transport.ts';
import { PgPoolDriver } from './pg-pool-driver.ts';
import { InProcessBus } from './relay-transport.ts';
import { SqlCoordination } from './sql-coordination.ts';

export interface CoordinationSettings {
  instanceId: string;
  leaseMs: number;
  log: Logger;
  clock?: Clock;
}

export interface PostgresCoordinationOptions extends CoordinationSettings {
  connectionString: string;
  schema?: string;
  /** Deadline of each coordination query and connect. */
  timeoutMs: number;
}

/**
 * Pools of its own, apart from the records': one for the call path's claims (10 connections), one
 * for lease renewals and takeovers (2), and a LISTEN connection; migrates (the records' migrations).
 */
export async function openPostgresCoordination(opts: PostgresCoordinationOptions): Promise<Coordination> {
  const pool = (maxConnections: number, applicationName: string, settings: Record<string, string> = {}) =>
    new PgPoolDriver({
      connectionString: opts.connectionString,
      ...(opts.schema ? { schema: opts.schema } : {}),
      maxConnections,
      timeoutMs: opts.timeoutMs,
      applicationName,
      settings,
      onIdleError: (err) => opts.log.warn({ err: err.message }, 'coordination connection lost; reconnecting on next use'),
    });
  // A claim commits without waiting for its WAL flush: other instances see it at once, and a
  // Switchboard restart never loses it; only a PostgreSQL crash within a fraction of a second
  // could (then a retried delivery may be accepted again). The flush would cost a disk sync per
  // call on the answer path.
  const driver = pool(10, 'switchboard-claims', { synchronous_commit: 'off' });
  const leaseDriver = pool(2, 'switchboard-leases');
  let schema: string;
  try {
    if (opts.schema) await driver.run(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    await migrate(driver);
    // The relay channel is per schema (set here or by search_path in the URL): deployments sharing a database do not hear each other.
    schema = String((await driver.query(`SELECT current_schema() AS s`))[0]?.s ?? 'public');
  } catch (err) {
    await driver.close();
    await leaseDriver.close();
    throw err;
  }
  const transport = new PgNotifyTransport({
    connectionString: opts.connectionString,
    schema,
    driver,
    instanceId: opts.instanceId,
    log: opts.log,
    connectTimeoutMs: opts.timeoutMs,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return new SqlCoordination({
    driver,
    leaseDriver,
    transport,
    instanceId: opts.instanceId,
    leaseMs: opts.leaseMs,
    log: opts.log,
    ownsDriver: true,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

// Coordinations sharing one SQLite connection share one bus (tests run two instances on a file).
const buses = new WeakMap<SqlDriver, InProcessBus>();

export interface SqliteCoordinationOptions extends CoordinationSettings {
  /** The records' connection: one per file and process. Migrated already. */
  driver: SqlDriver;
  /** Registering declares every other instance dead (default true: one process owns the file). */
  soleInstance?: boolean;
}

/** In-process relay over the records' own SQLite connection. */
export function openSqliteCoordination(opts: SqliteCoordinationOptions): Coordination {
  let bus = buses.get(opts.driver);
  if (!bus) buses.set(opts.driver, (bus = new InProcessBus()));
  return new SqlCoordination({
    driver: opts.driver,
    transport: bus.transport(),
    instanceId: opts.instanceId,
    leaseMs: opts.leaseMs,
    log: opts.log,
    soleInstance: opts.soleInstance ?? true,
    ownsDriver: false,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

/** The coordination beside the records store: PostgreSQL when the store is, else in-process over the SQLite file. */
export async function openCoordinationFor(
  store: Store,
  opts: CoordinationSettings & { databaseUrl: string | null; timeoutMs: number; schema?: string },
): Promise<Coordination> {
  if (store.kind === 'postgres') {
    if (!opts.databaseUrl) throw new TypeError('a PostgreSQL store without its URL');
    return openPostgresCoordination({ ...opts, connectionString: opts.databaseUrl });
  }
  if (!(store instanceof SqlStore)) throw new TypeError('the SQLite coordination needs the records store’s connection');
  return openSqliteCoordination({ ...opts, driver: store.driver });
}
