// GET /api/stats, the analysis filters and CSV export of GET /api/calls, and POST /api/plan, through inject().
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/capture-logs.ts';
import { loadConfig } from '../config/config.ts';
import type { CallAnalysis, CallRecord } from '../records/call-record.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { emptyBatch, type Store } from '../records/store.ts';
import { buildSwitchboard, type Switchboard, type SwitchboardOverrides } from '../server/build-switchboard.ts';

const token = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${token}` };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(more: Omit<SwitchboardOverrides, 'log' | 'store'> = {}): Promise<{ server: Switchboard; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-insight-'));
  const store = await openSqliteStore(join(dir, 'switchboard.db'));
  const config = loadConfig({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    REFER_TO: '+19195554321',
    API_TOKEN: token,
    LOG_LEVEL: 'silent',
  });
  const server = await buildSwitchboard(config, { log: captureLogs().logger, store, ...more });
  cleanups.push(async () => {
    await server.shutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, store };
}

const t0 = Date.parse('2026-11-30T09:00:00Z');
function call(i: number, over: Partial<CallRecord> = {}, fields: Record<string, unknown> | null = null, summary = 'A call.'): CallRecord {
  const at = new Date(t0 + i * 60_000).toISOString();
  const analysis: CallAnalysis | null = fields
    ? {
        status: 'done',
        model: 'gpt-6-luna',
        attempts: 1,
        summary,
        success: fields.resolved === true,
        fields,
        tokens: null,
        costUsd: 0.0001,
        error: null,
        requestedAt: at,
        completedAt: at,
        nextAttemptAt: null,
      }
    : null;
  return {
    callId: `rtc_${i}`,
    caller: '+19195551234',
    dialed: '+19195550100',
    sipCallId: null,
    sipHeaders: [],
    profile: 'reception',
    outcome: 'completed',
    endReason: 'caller_hangup',
    startedAt: at,
    acceptedAt: at,
    connectedAt: at,
    endedAt: new Date(t0 + i * 60_000 + 42_000).toISOString(),
    answerMs: 12.34,
    transfer: null,
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    tools: [],
    errors: [],
    reconnects: 0,
    updatedAt: at,
    owner: null,
    surface: 'realtime',
    recording: false,
    cost: {
      totalUsd: 0.25,
      realtimeUsd: 0.2499,
      transcriptionUsd: 0,
      liveUsd: 0,
      analysisUsd: 0.0001,
      unpriced: [],
      pricesCheckedOn: '2026-12-01',
    },
    analysis,
    ...over,
  };
}

describe('GET /api/stats', () => {
  it('answers the figures of a range, and names a bad parameter', async () => {
    const { server, store } = await start();
    await store.writeBatch({
      ...emptyBatch(),
      calls: [call(1), call(2, { outcome: 'transferred' }), call(70, { outcome: 'rejected', acceptedAt: null, answerMs: null })],
    });
    const res = await server.app.inject({ url: '/api/stats?from=2026-11-30T09:00:00Z&to=2026-11-30T12:00:00Z', headers: auth });
    expect(res.statusCode).toBe(200);
    const stats = res.json();
    expect(stats).toMatchObject({
      bucket: 'hour',
      totals: { calls: 3, answered: 2 },
      transfers: { count: 1, rate: 0.5 },
      answerMs: { p50: 12.34, p95: 12.34 },
    });
    expect(stats.series.byOutcome.completed).toEqual([1, 0, 0]);
    expect(stats.series.byOutcome.rejected).toEqual([0, 1, 0]);
    const week = (await server.app.inject({ url: '/api/stats?from=2026-11-01T00:00:00Z&to=2026-11-30T12:00:00Z', headers: auth })).json();
    expect(week.bucket).toBe('day');
    const bad = async (q: string) => (await server.app.inject({ url: `/api/stats?${q}`, headers: auth })).json();
    expect(await bad('from=2026-11-30T12:00:00Z&to=2026-11-30T09:00:00Z')).toMatchObject({
      field: 'from',
      message: 'from: must be before to',
    });
    expect(await bad('from=2026-06-01T00:00:00Z&to=2026-11-30T00:00:00Z')).toMatchObject({
      field: 'from',
      message: 'from: the range is at most 93 days',
    });
    expect(await bad('from=2026-10-01T00:00:00Z&to=2026-11-30T00:00:00Z&bucket=hour')).toMatchObject({ field: 'bucket' });
    expect(await bad('top=0')).toMatchObject({ field: 'top' });
    expect(await bad('form=x')).toMatchObject({ field: 'form', message: 'form: unknown field form' });
    expect((await server.app.inject({ url: '/api/stats' })).statusCode).toBe(401);
  });
});

describe('GET /api/calls: analysis filters and CSV', () => {
  async function seeded() {
    const h = await start();
    await h.store.writeBatch({
      ...emptyBatch(),
      calls: [
        call(1, {}, { resolved: true, orderNumber: 'A-1', customer: { tier: 'gold' } }, 'Asked, "politely", about A-1.\nAll good.'),
        call(2, { caller: '+442071838750' }, { resolved: false, orderNumber: '=HYPERLINK("http://x")', customer: { tier: 'basic' } }),
        call(3),
      ],
    });
    return h;
  }

  it('filters on success and extracted fields, and names a malformed field parameter', async () => {
    const { server } = await seeded();
    const ids = async (q: string) =>
      (await server.app.inject({ url: `/api/calls?${q}`, headers: auth })).json().calls.map((c: CallRecord) => c.callId);
    expect(await ids('field.resolved=true')).toEqual(['rtc_1']);
    expect(await ids('success=false')).toEqual(['rtc_2']);
    expect(await ids('field.customer.tier=basic')).toEqual(['rtc_2']);
    expect(await ids('analysis=done')).toEqual(['rtc_2', 'rtc_1']);
    const bad = (await server.app.inject({ url: '/api/calls?field.a-b=1', headers: auth })).json();
    expect(bad).toMatchObject({ error: 'invalid_request', field: 'field.a-b' });
    expect((await server.app.inject({ url: '/api/calls?success=maybe', headers: auth })).json()).toMatchObject({
      field: 'success',
      message: 'success: expected true or false',
    });
  });

  it('exports the filtered list as CSV, one column per extracted field, formulas defused', async () => {
    const { server } = await seeded();
    const res = await server.app.inject({ url: '/api/calls.csv?analysis=done', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="calls-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers['x-total-rows']).toBe('2');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe(
      'callId,startedAt,endedAt,caller,dialed,profile,outcome,endReason,durationSeconds,answerMs,transferTarget,transferReason,costUsd,analysis,success,summary,field.customer.tier,field.orderNumber,field.resolved',
    );
    expect(lines[1]).toBe(
      'rtc_2,2026-11-30T09:02:00.000Z,2026-11-30T09:02:42.000Z,+442071838750,+19195550100,reception,completed,caller_hangup,42,12.3,,,0.25,done,false,A call.,basic,"\'=HYPERLINK(""http://x"")",false',
    );
    expect(lines[2]).toBe(
      'rtc_1,2026-11-30T09:01:00.000Z,2026-11-30T09:01:42.000Z,+19195551234,+19195550100,reception,completed,caller_hangup,42,12.3,,,0.25,done,true,"Asked, ""politely"", about A-1.\nAll good.",gold,A-1,true',
    );
    expect(lines.length).toBe(4); // header, 2 rows, the final CRLF
    const same = await server.app.inject({ url: '/api/calls?analysis=done&format=csv', headers: auth });
    expect(same.body).toBe(res.body);
  });
});

describe('POST /api/plan', () => {
  it('previews the environment’s agent without a profile file', async () => {
    const { server } = await start();
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/plan',
      headers: auth,
      payload: { from: '+19195551234', to: '+19195550100' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      agent: 'default',
      route: { name: 'routing.default' },
      decision: { kind: 'accept' },
      acceptBody: { type: 'realtime' },
      tools: [{ name: 'transfer_call' }, { name: 'end_call' }],
    });
  });

  it('previews against the profile file in force, with live counts, and names a bad field', async () => {
    const env = { TOOLS_SIGNING_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    const { server } = await start({ profileFile: { path: 'switchboard.example.yaml', env, watch: false } });
    server.agents.counter.reserve('rtc_live', 'reception', { overall: null, profile: null }); // one call live now
    const plan = async (payload: object) => server.app.inject({ method: 'POST', url: '/api/plan', headers: auth, payload });
    expect((await plan({ from: 'anonymous', to: '+19195550142', at: '2026-12-23T16:30' })).json()).toMatchObject({
      call: { from: null, timeZone: 'America/New_York', at: '2026-12-23T21:30:00.000Z' },
      agent: 'reception',
      caps: { overall: 50, agent: 20, liveOverall: 1, liveAgent: 1, wouldBeBusy: false },
    });
    expect((await plan({ from: '+19005550100', to: '+19195550100' })).json()).toMatchObject({
      decision: { kind: 'reject', statusCode: 603, reason: 'blocked_caller' },
    });
    const templated = (
      await plan({ from: '+13125550123', to: '+19195550100', at: '2026-12-22T15:00:00Z', headers: { 'X-Account-Id': '42' } })
    ).json();
    expect(templated.acceptBody.instructions).toContain('is 42.');
    expect((await plan({ from: '+13125550123', to: 'front desk' })).json()).toMatchObject({ field: 'to' });
    expect((await plan({ from: '+13125550123', to: '+19195550100', at: 'soon' })).json()).toMatchObject({ field: 'at' });
  });
});
