import { describe, expect, inject, it } from 'vitest';
import { freePort } from './server-process.ts';
import { testDatabase } from './test-database.ts';

describe('the test database', () => {
  it('is the one TEST_DATABASE_URL names when it answers', async () => {
    const url = inject('databaseUrl'); // this run's, whichever it is
    const db = await testDatabase({ TEST_DATABASE_URL: url });
    expect(db.url).toBe(url);
    await db.stop(); // leaves a database it did not start running
    await expect(testDatabase({ TEST_DATABASE_URL: url })).resolves.toMatchObject({ url });
  });

  it('is the one TEST_DATABASE_URL names, and a run fails at once, saying so, when it cannot connect', async () => {
    const closed = await freePort();
    const url = `postgres://nobody@127.0.0.1:${closed}/test`;
    await expect(testDatabase({ TEST_DATABASE_URL: url, DATABASE_URL: 'postgres://other@127.0.0.1:1/x' })).rejects.toThrow(
      `TEST_DATABASE_URL is set, but PostgreSQL at 127.0.0.1:${closed} cannot be used`,
    );
  });

  it('falls back to DATABASE_URL', async () => {
    const closed = await freePort();
    await expect(testDatabase({ DATABASE_URL: `postgres://nobody@127.0.0.1:${closed}/test` })).rejects.toThrow('DATABASE_URL is set');
  });
});
