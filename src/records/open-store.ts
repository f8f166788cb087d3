import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** The store the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR. Migrates before returning. */
export async function openConfiguredStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databaseTimeoutMs'>>,
  log: Logger,
): Promise<Store> {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    const store = await openPostgresStore({
      connectionString: config.databaseUrl,
      ...(config.databaseTimeoutMs ? { timeoutMs: config.databaseTimeoutMs } : {}),
      onIdleError: (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost; reconnecting on next use'),
    });
    log.info({ store: 'postgres', host: url.host, database: url.pathname.slice(1) }, 'records store ready');
    return store;
  }
  const path = join(config.dataDir, 'switchboard.db');
  const store = await openSqliteStore(path);
  log.info({ store: 'sqlite', path }, 'records store ready');
  return store;
}
