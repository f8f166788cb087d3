import { mkdtempSync, rmSync } from 'node:fs';
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
