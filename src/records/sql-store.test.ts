import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accepted } from './call-event-fixtures.ts';
import { CallState } from './call-state.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { emptyBatch } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-sql-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('batch writes on a synchronous driver (SQLite)', () => {
  it('give the event loop turns during a large batch, and write all of it', async () => {
    const store = await openSqliteStore(join(dir, 'switchboard.db'));
    const batch = emptyBatch();
    const at = new Date().toISOString();
    const call = new CallState('rtc_big', at);
    call.apply(accepted('rtc_big'), Date.now());
    batch.calls.push(call.snapshot());
    for (let seq = 1; seq <= 20_000; seq++) batch.events.push({ callId: 'rtc_big', entry: { seq, at, type: 'transcript', data: { text: `turn ${seq}` } } });
    let turns = 0;
    const timer = setInterval(() => void turns++, 0);
    try {
      await store.writeBatch(batch);
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThan(0);
    expect((await store.getCall('rtc_big'))?.timeline).toHaveLength(20_000);
    await store.close();
  });
});

describe('SQLite checkpoints', () => {
  async function writeBatches(path: string, checkpointEveryMs: number): Promise<{ walBytes: number; written: number; store: Awaited<ReturnType<typeof openSqliteStore>> }> {
    const store = await openSqliteStore(path, { checkpointEveryMs });
    const at = new Date().toISOString();
    let seq = 0;
    let written = 0;
    for (let b = 0; b < 20; b++) {
      const batch = emptyBatch();
      for (let i = 0; i < 1000; i++) batch.events.push({ callId: 'rtc_wal', entry: { seq: ++seq, at, type: 'transcript', data: { text: 'x'.repeat(800) } } });
      await store.writeBatch(batch);
      written += 1000 * 800;
      await new Promise((r) => setTimeout(r, 60));
    }
    return { walBytes: statSync(`${path}-wal`).size, written, store };
  }

  it('never run inside a commit (the WAL grows when the checkpointer is idle)', async () => {
    const { walBytes, written, store } = await writeBatches(join(dir, 'idle.db'), 3_600_000);
    expect(walBytes).toBeGreaterThan(written);
    await store.close();
  });

  it('run on their own thread, keeping the WAL small, and leave none behind at close', async () => {
    const path = join(dir, 'busy.db');
    const { walBytes, written, store } = await writeBatches(path, 20);
    expect(walBytes).toBeLessThan(written / 4);
    await store.close();
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
  });
});
