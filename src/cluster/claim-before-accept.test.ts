import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import type { SqlStore } from '../records/sql-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { createClaimBeforeAccept } from './claim-before-accept.ts';
import type { ClaimInfo, Coordination } from './coordination.ts';
import { openSqliteCoordination } from './open-coordination.ts';

const log = createLogger('silent');

describe('claim before accept', () => {
  let dir: string;
  let store: SqlStore;
  let a: Coordination;
  let b: Coordination;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-claim-'));
    store = (await openSqliteStore(join(dir, 'db.sqlite'))) as SqlStore;
    a = openSqliteCoordination({ driver: store.driver, instanceId: 'a', leaseMs: 60_000, log, soleInstance: false });
    b = openSqliteCoordination({ driver: store.driver, instanceId: 'b', leaseMs: 60_000, log, soleInstance: false });
    await a.register();
    await b.register();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys = { callId: 'rtc_1', correlationKey: 'sip-1;t' };
  const claimer = (c: Coordination, refused: ClaimInfo[] = [], waitMs = 5_000) =>
    createClaimBeforeAccept({ coordination: c, waitMs, pollMs: 5, log, onRefused: (claim) => refused.push(claim) });

  it('the first delivery accepts; one at another instance waits for that accept and answers 200 without accepting', async () => {
    const refused: ClaimInfo[] = [];
    expect(await claimer(a)(keys)).toEqual({ kind: 'accept', epoch: 1, afterCrash: false });
    const second = claimer(b, refused)(keys);
    await new Promise((r) => setTimeout(r, 30));
    await a.confirm('rtc_1', 1);
    expect(await second).toEqual({ kind: 'taken', owner: 'a', state: 'accepted' });
    expect(refused.map((c) => c.owner)).toEqual(['a']);
  });

  it('when the first accept fails and lets go, the waiting delivery accepts', async () => {
    await claimer(a)(keys);
    const second = claimer(b)(keys);
    await new Promise((r) => setTimeout(r, 30));
    await a.abandon('rtc_1', 1);
    expect(await second).toEqual({ kind: 'accept', epoch: 1, afterCrash: false });
  });

  it('the other surface’s webhook for a call this instance is accepting answers at once', async () => {
    await claimer(a)(keys);
    expect(await claimer(a)({ callId: 'live_1', correlationKey: 'sip-1;t' })).toEqual({ kind: 'taken', owner: 'a', state: 'accepted' });
  });

  it('a retry after the call ended answers 200 without accepting', async () => {
    await claimer(a)(keys);
    await a.confirm('rtc_1', 1);
    await a.finish('rtc_1', 1);
    expect(await claimer(b)(keys)).toEqual({ kind: 'taken', owner: 'a', state: 'ended' });
  });

  it('asks OpenAI to retry (503) when the other accept has not settled in time', async () => {
    await claimer(a)(keys);
    expect(await claimer(b, [], 40)(keys)).toEqual({ kind: 'retry', why: 'claimed_elsewhere' });
  });

  it('asks OpenAI to retry (503) when the database cannot be reached, and never accepts blind', async () => {
    const down: Coordination = Object.create(a, { claim: { value: () => Promise.reject(new Error('ECONNREFUSED')) } });
    expect(await claimer(down)(keys)).toEqual({ kind: 'retry', why: 'coordination_unavailable' });
  });
});
