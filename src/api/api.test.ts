// The operator API through inject(): auth, validation, records, SSE, live actions on a session driven by a fake socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { afterEach, describe, expect, it } from 'vitest';
import { accepted, transferCall } from '../../test/support/call-event-fixtures.ts';
import { captureLogs } from '../../test/support/capture-logs.ts';
import { LiveCalls } from '../calls/live-calls.ts';
import { type Env, loadConfig } from '../config/config.ts';
import { CallState } from '../records/call-state.ts';
import { RecordsService } from '../records/records-service.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { emptyBatch, type Store } from '../records/store.ts';
import { buildSwitchboard, type Switchboard } from '../server/build-switchboard.ts';
import { CallSession } from '../session/call-session.ts';
import { parseCallParties } from '../sip/index.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { createTransfers } from '../transfers/transfer.ts';
import { registerApi } from './register-api.ts';

const token = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${token}` };

interface Harness {
  server: Switchboard;
  store: Store;
  logs: ReturnType<typeof captureLogs>;
  control: { calls: string[] };
  transport: FakeControlTransport;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(env: Env = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-api-'));
  const store = await openSqliteStore(join(dir, 'switchboard.db'));
  const config = loadConfig({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==',
    REFER_TO: '+19195554321',
    API_TOKEN: token,
    LOG_LEVEL: 'info',
    DRAIN_TIMEOUT_MS: '100',
    ...env,
  });
  const control = new RecordingCallControl();
  const calls = control.actions;
  const transport = new FakeControlTransport();
  const logs = captureLogs();
  const server = await buildSwitchboard(config, { log: logs.logger, control, transport, store });
  cleanups.push(async () => {
    await server.shutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, store, logs, control: { calls }, transport };
}

/** A live call, as answerCall would start it, recorded by the server's recorder. */
async function liveCall(h: Harness, callId: string): Promise<CallSession> {
  const recorder = h.server.records!.recorder;
  const first = accepted(callId) as Extract<ReturnType<typeof accepted>, { type: 'call.accepted' }>;
  const session = new CallSession({
    callId,
    parties: parseCallParties(first.sipHeaders),
    greeting: 'Hello!',
    tools: new Map(),
    transfers: createTransfers({
      destinations: [],
      policy: {
        carrier: { allowList: null, fallbackHost: null },
        context: [],
        profile: 'default',
        business: 'b',
        referTimeoutMs: 5_000,
        logPii: false,
      },
    }),
    transport: h.transport,
    control: {
      accept: async () => {},
      reject: async () => {},
      refer: async (_id, target) => void h.control.calls.push(`refer ${target}`),
      hangup: async () => void h.control.calls.push('hangup'),
    },
    log: h.logs.logger,
    logPii: false,
    reconnectMaxAttempts: 0,
    onEvent: recorder.record,
  });
  h.server.liveCalls.add(session);
  session.emit(first);
  session.start();
  await new Promise((r) => setTimeout(r, 5));
  return session;
}

const ev = (e: Record<string, unknown>) => ({ event_id: 'e', ...e }) as unknown as RealtimeServerEvent;

describe('operator API: access', () => {
  it('is off without API_TOKEN, and says so at startup', async () => {
    const h = await start({ API_TOKEN: '' });
    const res = await h.server.app.inject({ method: 'GET', url: '/api/calls', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'api_disabled' });
    expect(h.logs.lines.map((l) => l.msg)).toContain('operator API is off: API_TOKEN is not set');
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all-000' }],
    ['a token that is a prefix of the right one', { authorization: `Bearer ${token.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${token}` }],
  ])('refuses %s with 401, before looking at anything else', async (_what, headers) => {
    const h = await start();
    for (const [method, url] of [
      ['GET', '/api/calls'],
      ['GET', '/api/calls/rtc_x'],
      ['GET', '/api/calls/rtc_x/events'],
      ['POST', '/api/calls/rtc_x/hangup'],
      ['GET', '/api/nothing'],
    ] as const) {
      const res = await h.server.app.inject({ method, url, headers });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="switchboard"');
    }
    expect(h.logs.text()).not.toContain(token);
  });

  it('lets the right token in; /openapi.json, /metrics and /health stay public', async () => {
    const h = await start();
    expect((await h.server.app.inject({ method: 'GET', url: '/api/calls', headers: auth })).statusCode).toBe(200);
    expect((await h.server.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await h.server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});

describe('operator API: validation', () => {
  it.each([
    ['/api/calls?limit=0', 'limit'],
    ['/api/calls?limit=lots', 'limit'],
    ['/api/calls?outcome=great', 'outcome'],
    ['/api/calls?from=yesterday', 'from'],
    ['/api/calls?caller=bob', 'caller'],
    ['/api/calls?cursor=not-a-cursor', 'cursor'],
    ['/api/calls?colour=blue', 'colour'],
    ['/api/calls/rtc_x/events?after=-1', 'after'],
  ])('GET %s → 400 naming %s', async (url, field) => {
    const h = await start();
    const res = await h.server.app.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
  });

  it.each([
    ['transfer', 'target', {}],
    ['transfer', 'target', { target: 'the front desk' }],
    ['transfer', 'extra', { target: '+19195554321', extra: 1 }],
    ['transfer', 'body', ['+19195554321']],
    ['say', 'text', { text: '   ' }],
    ['say', 'text', { text: 42 }],
    ['say', 'text', { text: 'x'.repeat(2001) }],
  ])('POST %s with a bad body → 400 naming %s', async (action, field, body) => {
    const h = await start();
    await liveCall(h, 'rtc_v');
    const res = await h.server.app.inject({ method: 'POST', url: `/api/calls/rtc_v/${action}`, headers: auth, payload: body as object });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', field });
    expect(h.control.calls).toEqual([]);
  });

  it('malformed JSON → 400 naming the body', async () => {
    const h = await start();
    const res = await h.server.app.inject({
      method: 'POST',
      url: '/api/calls/rtc_v/say',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', field: 'body' });
  });
});

describe('operator API: records', () => {
  async function seed(h: Harness) {
    const recorder = h.server.records!.recorder;
    for (const e of transferCall('rtc_seed_1')) recorder.record(e);
    recorder.record(accepted('rtc_seed_2'));
    recorder.record({ type: 'transcript', callId: 'rtc_seed_2', speaker: 'caller', text: 'What are your opening hours?', itemId: 'i1' });
    recorder.record({ type: 'call.ended', callId: 'rtc_seed_2', reason: 'caller_hangup', endedAt: Date.now() });
    await recorder.close(); // everything written
  }

  it('logs a failing request with its route, never the query (which carries the caller)', async () => {
    const h = await start();
    h.store.listCalls = async () => {
      throw new Error('database is down');
    };
    const res = await h.server.app.inject({ method: 'GET', url: '/api/calls?caller=%2B19195551234', headers: auth });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal error' });
    expect(h.logs.lines).toContainEqual(expect.objectContaining({ msg: 'request failed', route: '/api/calls', status: 500 }));
    expect(h.logs.text()).not.toMatch(/19195551234|%2B1919/);
  });

  it('lists with filters, text search and cursor pages', async () => {
    const h = await start();
    await seed(h);
    const get = async (url: string) => (await h.server.app.inject({ method: 'GET', url, headers: auth })).json();
    expect((await get('/api/calls')).calls.map((c: { callId: string }) => c.callId).sort()).toEqual(['rtc_seed_1', 'rtc_seed_2']);
    expect((await get('/api/calls?outcome=transferred')).calls.map((c: { callId: string }) => c.callId)).toEqual(['rtc_seed_1']);
    expect((await get('/api/calls?q=OPENING%20hours')).calls.map((c: { callId: string }) => c.callId)).toEqual(['rtc_seed_2']);
    expect((await get('/api/calls?caller=%2B19195551234')).calls).toHaveLength(2);
    expect((await get('/api/calls?caller=+19195551234')).calls).toHaveLength(2); // an unencoded + arrives as a space
    expect((await get('/api/calls?dialed=%2B18005550100&from=2000-01-01T00:00:00Z')).calls).toHaveLength(2);
    expect((await get('/api/calls?to=2000-01-01T00:00:00Z')).calls).toHaveLength(0);
    const first = await get('/api/calls?limit=1');
    expect(first.calls).toHaveLength(1);
    const second = await get(`/api/calls?limit=1&cursor=${first.nextCursor}`);
    expect(second.calls).toHaveLength(1);
    expect(second.calls[0].callId).not.toBe(first.calls[0].callId);
    expect(second.nextCursor).toBeNull();
  });

  it('GET /api/calls/:id gives the record with transcript and timeline; 404 for an unknown call', async () => {
    const h = await start();
    await seed(h);
    const res = await h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_seed_1', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      callId: 'rtc_seed_1',
      outcome: 'transferred',
      live: false,
      transfer: { status: 'referred', target: 'sip:+19195554321@67.231.5.176:5061;transport=tls' },
      usage: { totalTokens: 370 },
      transcript: [{ speaker: 'agent' }, { speaker: 'caller' }],
    });
    expect(res.json().timeline.map((e: { type: string }) => e.type)).toEqual(transferCall('x').map((e) => e.type));
    expect((await h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_nope', headers: auth })).statusCode).toBe(404);
  });

  it('serves a /openapi.json generated from the validation schemas', async () => {
    const h = await start();
    const doc = (await h.server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/calls',
        '/api/calls.csv',
        '/api/calls/{id}',
        '/api/calls/{id}/events',
        '/api/calls/{id}/hangup',
        '/api/calls/{id}/say',
        '/api/calls/{id}/transfer',
        '/api/plan',
        '/api/setup/checks',
        '/api/setup/deliveries',
        '/api/stats',
        '/api/calls/{id}/dtmf',
        '/api/calls/{id}/recording',
      ].sort(),
    );
    expect(doc.components.schemas.TransferRequest).toMatchObject({ type: 'object', required: ['target'], additionalProperties: false });
    expect(doc.components.schemas.SayRequest.properties.text).toMatchObject({ minLength: 1, maxLength: 2000 });
    expect(doc.components.schemas.CallPage.properties.calls.items).toEqual({ $ref: '#/components/schemas/CallRecord' });
    expect(doc.paths['/api/calls'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'caller',
      'dialed',
      'outcome',
      'from',
      'to',
      'q',
      'limit',
      'cursor',
      'success',
      'analysis',
      'format',
      'field.{name}',
    ]);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });
});

/** Parses an SSE body into events. */
function sse(body: string): { id?: string; event: string; data: Record<string, unknown> }[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const fields = Object.fromEntries(
        block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      );
      return { ...(fields.id ? { id: fields.id } : {}), event: fields.event ?? 'message', data: JSON.parse(fields.data ?? '{}') };
    });
}

describe('operator API: live calls', () => {
  it('SSE: replays, streams a live call in order, then ends', async () => {
    const h = await start();
    const session = await liveCall(h, 'rtc_sse');
    const streamed = h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_sse/events', headers: auth });
    await new Promise((r) => setTimeout(r, 10));
    h.transport.last.push(
      ev({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'c1', content_index: 0, transcript: 'first words' }),
    );
    h.transport.last.push(
      ev({
        type: 'response.output_audio_transcript.done',
        item_id: 'a1',
        response_id: 'r1',
        output_index: 0,
        content_index: 0,
        transcript: 'second words',
      }),
    );
    h.transport.last.push(
      ev({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'c2', content_index: 0, transcript: 'third words' }),
    );
    h.transport.last.drop({ code: 1000 });
    await session.ended;
    const res = await streamed;
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = sse(res.body);
    expect(events.map((e) => e.event)).toEqual([
      'call.accepted',
      'control.connected',
      'greeting.requested',
      'transcript',
      'transcript',
      'transcript',
      'call.ended',
      'end',
    ]);
    expect(events.filter((e) => e.event === 'transcript').map((e) => (e.data.data as { text: string }).text)).toEqual([
      'first words',
      'second words',
      'third words',
    ]);
    expect(events.slice(0, -1).map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.at(-1)!.data).toEqual({ callId: 'rtc_sse', outcome: 'completed', endReason: 'caller_hangup' });
  });

  it('SSE: resumes after Last-Event-ID; a finished call from the store replays and ends', async () => {
    const h = await start();
    for (const e of transferCall('rtc_old')) h.server.records!.recorder.record(e);
    await h.server.records!.recorder.close();
    expect(h.server.records!.recorder.has('rtc_old')).toBe(false);
    const res = await h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_old/events', headers: { ...auth, 'last-event-id': '9' } });
    expect(sse(res.body).map((e) => `${e.id ?? ''} ${e.event}`)).toEqual(['10 tool.completed', '11 usage', '12 call.ended', ' end']);
    expect((await h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_none/events', headers: auth })).statusCode).toBe(404);
  });

  it('transfer, say and hangup act on the live call; a call that is not live gets 404', async () => {
    const h = await start();
    const session = await liveCall(h, 'rtc_live');
    h.transport.last.finishResponse('resp_greeting');
    const say = await h.server.app.inject({
      method: 'POST',
      url: '/api/calls/rtc_live/say',
      headers: auth,
      payload: { text: 'Tell them about the spring sale.' },
    });
    expect(say.statusCode).toBe(202);
    expect(h.transport.last.sent.at(-2)).toMatchObject({ type: 'conversation.item.create', item: { role: 'system' } });
    const transfer = await h.server.app.inject({
      method: 'POST',
      url: '/api/calls/rtc_live/transfer',
      headers: auth,
      payload: { target: '+14155550123' },
    });
    expect(transfer.statusCode).toBe(200);
    expect(transfer.json()).toEqual({
      callId: 'rtc_live',
      status: 'transferring',
      target: 'sip:+14155550123@67.231.5.176:5061;transport=tls',
    });
    const hangup = await h.server.app.inject({ method: 'POST', url: '/api/calls/rtc_live/hangup', headers: auth });
    expect(hangup.statusCode).toBe(200);
    expect(await session.ended).toBe('operator_hangup');
    expect(h.control.calls).toEqual(['refer sip:+14155550123@67.231.5.176:5061;transport=tls', 'hangup']);
    const after = await h.server.app.inject({ method: 'POST', url: '/api/calls/rtc_live/hangup', headers: auth });
    expect(after.statusCode).toBe(404);
    expect(after.json()).toMatchObject({ error: 'not_live' });
    const detail = (await h.server.app.inject({ method: 'GET', url: '/api/calls/rtc_live', headers: auth })).json();
    expect(detail.timeline.map((e: { type: string }) => e.type)).toContain('operator.instructed');
  });
});

describe('operator API: a call held by another instance (shared PostgreSQL)', () => {
  it('SSE follows it through the store until it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-api-'));
    const store = await openSqliteStore(join(dir, 'switchboard.db'));
    const logs = captureLogs();
    const app = Fastify();
    const clock = new ManualClock();
    // This instance's records: its recorder never saw the call.
    const records = new RecordsService({
      store,
      log: logs.logger,
      batchMs: 1000,
      retentionDays: 0,
      callEvents: null,
      clock,
      storePollMs: 1_000,
    });
    registerApi(app, { token, records, liveCalls: new LiveCalls(), log: logs.logger });
    cleanups.push(async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    // What the other instance's recorder writes, batch by batch.
    const other = new CallState('rtc_elsewhere', new Date().toISOString());
    const write = async (events: Parameters<CallState['apply']>[0][]) => {
      for (const e of events) other.apply(e, Date.now());
      const from = other.unwrittenFrom;
      other.unwrittenFrom = other.timeline.length;
      await store.writeBatch({
        ...emptyBatch(),
        calls: [structuredClone(other.record)],
        turns: other.turns.map((turn) => ({ callId: other.callId, turn })),
        events: other.timeline.slice(from).map((entry) => ({ callId: other.callId, entry })),
        outbox: [],
      });
    };
    const events = transferCall('rtc_elsewhere');
    await write(events.slice(0, 4));
    const streamed = app.inject({ method: 'GET', url: '/api/calls/rtc_elsewhere/events', headers: auth });
    await expect.poll(() => clock.pendingDelaysMs()).toEqual([1_000]); // replayed what is stored; waits for the next read
    await write(events.slice(4));
    clock.advance(999);
    expect(clock.pendingCount).toBe(1);
    clock.advance(1);
    const got = sse((await streamed).body);
    expect(got.map((e) => e.event)).toEqual([...events.map((e) => e.type), 'end']);
    expect(got.at(-1)!.data).toMatchObject({ outcome: 'transferred' });
  });
});
