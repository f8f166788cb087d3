// The relay's listener against the real PostgreSQL: it comes back after its connection is killed.
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { Coordination } from './coordination.ts';
import { openPostgresCoordination } from './open-coordination.ts';
import { relayChannel } from './pg-notify-transport.ts';

const testDatabaseUrl = inject('databaseUrl');
const schema = `sb_relay_${process.pid}_${Date.now().toString(36)}`;
const log = createLogger('silent');

const waitUntil = async <T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> => {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
};

describe('PostgreSQL relay listener', () => {
  const opened: Coordination[] = [];
  const admin = new pg.Client({ connectionString: testDatabaseUrl });

  afterAll(async () => {
    for (const c of opened) await c.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('reconnects after its connection is killed, and relays again', async () => {
    await admin.connect();
    const open = async (id: string) => {
      const c = await openPostgresCoordination({
        connectionString: testDatabaseUrl,
        schema,
        instanceId: id,
        leaseMs: 5_000,
        log,
        timeoutMs: 3_000,
      });
      opened.push(c);
      await c.register();
      return c;
    };
    const a = await open('a');
    const b = await open('b');
    a.onCommand(async (callId) => ({ status: 202, body: { callId } }));
    await a.claim({ callId: 'rtc_1', correlationKey: null });
    await a.confirm('rtc_1', 1);
    expect(a.relayConnected).toBe(true);

    const listeners = await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'switchboard-relay' AND query = $1`, [
      `LISTEN "${relayChannel(schema)}"`,
    ]);
    expect(listeners.rowCount).toBe(2);
    for (const { pid } of listeners.rows) await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
    await waitUntil(() => (a.relayConnected ? undefined : true), 'the listener to notice');
    await waitUntil(() => (a.relayConnected && b.relayConnected ? true : undefined), 'both listeners back');
    expect(await b.relay('rtc_1', { action: 'hangup' }, { timeoutMs: 3_000 })).toEqual({
      kind: 'reply',
      owner: 'a',
      reply: { status: 202, body: { callId: 'rtc_1' } },
    });
  });
});
