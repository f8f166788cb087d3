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

/** Its own pool (3 connections) and its own LISTEN connection; migrates (the same migrations as the records). */
export async function openPostgresCoordination(opts: PostgresCoordinationOptions): Promise<Coordination> {
  const driver = new PgPoolDriver({
    connectionString: opts.connectionString,
    ...(opts.schema ? { schema: opts.schema } : {}),
    maxConnections: 3,
    timeoutMs: opts.timeoutMs,
    applicationName: 'switchboard-coordination',
    onIdleError: (err) => opts.log.warn({ err: err.message }, 'coordination connection lost; reconnecting on next use'),
  });
  let schema: string;
  try {
    if (opts.schema) await driver.run(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    await migrate(driver);
    // The relay channel is per schema (set here or by search_path in the URL): deployments sharing a database do not hear each other.
    schema = String((await driver.query(`SELECT current_schema() AS s`))[0]?.s ?? 'public');
  } catch (err) {
    await driver.close();
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
  return new SqlCoordination({ driver, transport, instanceId: opts.instanceId, leaseMs: opts.leaseMs, log: opts.log, ownsDriver: true, ...(opts.clock ? { clock: opts.clock } : {}) });
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
