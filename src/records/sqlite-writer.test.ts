import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SqliteWriter } from './sqlite-writer.ts';

describe('SqliteWriter', () => {
  it('close does not wait past its grace on a thread that no longer answers: it is terminated', async () => {
    // A thread stuck as on a disk that stopped answering: it takes messages and never exits.
    const stuck = new Worker(`require('node:worker_threads').parentPort.on('message', () => {});`, { eval: true });
    const writer = new SqliteWriter(stuck);
    const write = writer.write([[[`INSERT INTO t VALUES ($1)`, [1]]]]);
    await writer.close(100);
    expect(writer.alive).toBe(false);
    await expect(write).rejects.toThrow('the records writer thread stopped');
  });
});
