import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../src/emulator/index.ts';
import { startLocalStack, type LocalStack } from '../src/testing/local-stack.ts';
import { captureLogs } from './support/capture-logs.ts';
import { startRecordsStack, waitFor, type RecordsStack } from './support/records-stack.ts';

const scenario = (name: string) => JSON.parse(readFileSync(new URL(`../src/emulator/scenarios/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
/** The project is subscribed to both webhook types: every call arrives twice. */
const bothWebhooks: ScenarioInput = { webhooks: ['realtime', 'live'] };
const liveEnv = { AGENT_SURFACE: 'live' };

let stack: LocalStack | RecordsStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function storedCall(s: RecordsStack, callId: string): Promise<Record<string, any>> {
  return waitFor(async () => {
    const res = await s.api(`/api/calls/${callId}`);
    const body = res.status === 200 ? ((await res.json()) as Record<string, any>) : undefined;
    // Closed: the cost is set when the record's last write is made.
    return body && body.outcome !== 'in_progress' && body.cost ? body : undefined;
  }, `the record of ${callId}`);
}

describe('a GPT-Live call, end to end against the emulator', () => {
  it('transfer: both webhooks for one call → one accept on live_…, greeting, delegated transfer_call, REFER to the Contact host', async () => {
    const logs = captureLogs();
    const s = await startRecordsStack({ logger: logs.logger, env: liveEnv });
    stack = s;
    const call = await s.emulator.placeCall({ ...scenario('transfer'), ...bothWebhooks });
    const record = await call.ended;

    expect(record.accepts).toMatchObject([{ surface: 'live', status: 200 }]);
    const body = record.accepts[0]?.body as Record<string, any>;
    expect(body.session).toMatchObject({
      type: 'live',
      model: 'gpt-live-1',
      audio: { output: { voice: 'marin' } },
      delegation: { type: 'responses', responses: { model: 'gpt-5.4-mini', tool_choice: 'auto' } },
    });
    expect(body.session.instructions).toContain('You are a helpful customer support agent.');
    expect(body.session.instructions).toContain('Hand the turn to the backend');
    expect(body.session.delegation.responses.tools.map((t: { name: string }) => t.name)).toEqual(['transfer_call', 'end_call']);
    expect(record.webhooks.map((w) => [w.eventType, w.status])).toEqual([
      ['realtime.call.incoming', 200],
      ['live.transport.incoming', 200],
    ]);
    expect(record.refers).toMatchObject([{ surface: 'live', targetUri: 'sip:+19195554321@67.231.5.176:5061;transport=tls' }]);
    expect(record.endedBy).toBe('refer');
    expect(s.emulator.check(call.id, { functionOutputs: 1, errorEvents: 0, surface: 'live', acceptRequests: 1 })).toEqual([]);

    // One record, under the live_… id, with whole turns like a Realtime call's.
    const stored = await storedCall(s, call.liveSessionId);
    expect(stored).toMatchObject({ surface: 'live', outcome: 'transferred', endReason: 'transferred', recording: false });
    expect(stored.usageDetail.liveSeconds).toBeGreaterThan(0);
    // Priced by the minute of the Live model; the delegated tokens are not the voice model's.
    expect(stored).toMatchObject({ model: 'gpt-live-1', transcriptionModel: null, cost: { realtimeUsd: 0, unpriced: [] } });
    expect(stored.cost.liveUsd).toBeGreaterThan(0);
    expect(stored.usage.totalTokens).toBeGreaterThan(0); // the delegated Responses model's tokens
    expect(stored.transcript.map((t: { speaker: string; text: string }) => [t.speaker, t.text])).toEqual(
      expect.arrayContaining([
        ['agent', 'Hello! How can I assist you today?'],
        ['caller', "Hi, I'd like to speak to a person."],
      ]),
    );
    expect((await s.api(`/api/calls/${call.id}`)).status).toBe(404);
    expect(logs.text()).not.toContain('+19195551234');
  });

  it('end call: the goodbye goes through the backend and plays before the hangup; the session closes as requested', async () => {
    const s = await startRecordsStack({ env: liveEnv });
    stack = s;
    const call = await s.emulator.placeCall({ ...scenario('end-call'), webhooks: ['live'] });
    const record = await call.ended;
    expect(record.endedBy).toBe('hangup');
    expect(record.closeReason).toBe('close_requested');
    const goodbye = record.responses.filter((r) => r.origin === 'backend').at(-1);
    expect(goodbye).toMatchObject({ transcript: 'Thank you for calling. Goodbye!', status: 'completed' });
    expect(record.hangups[0]?.receivedAt).toBeGreaterThanOrEqual(goodbye?.doneAt ?? Infinity);
    const stored = await storedCall(s, call.liveSessionId);
    expect(stored).toMatchObject({ outcome: 'completed', endReason: 'agent_hangup', surface: 'live' });
  });

  it('DTMF out: POST /api/calls/:id/dtmf sends each key on the sideband (202); a Realtime call answers 409', async () => {
    const s = await startRecordsStack({ env: liveEnv });
    stack = s;
    const call = await s.emulator.placeCall({ webhooks: ['live'], steps: [{ wait: 300 }], idleHangupMs: 1500 });
    await waitFor(() => s.server.liveCalls.get(call.liveSessionId)?.isLive && s.emulator.call(call.id)?.connectionCount === 1, 'the sideband');
    const res = await s.api(`/api/calls/${call.liveSessionId}/dtmf`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digits: '1234#' }) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ callId: call.liveSessionId, status: 'sent', digits: '1234#' });
    const bad = await s.api(`/api/calls/${call.liveSessionId}/dtmf`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digits: '12x' }) });
    expect(bad.status).toBe(400);
    const record = await call.ended;
    expect(s.emulator.check(call.id, { dtmfSent: '1234#', errorEvents: 0 })).toEqual([]);
    const stored = await storedCall(s, call.liveSessionId);
    expect(stored.timeline.map((e: { type: string }) => e.type)).toContain('dtmf.sent');
    void record;

    const realtime = await startRecordsStack();
    try {
      const rtc = await realtime.emulator.placeCall({ steps: [{ wait: 300 }], idleHangupMs: 1500 });
      await waitFor(() => realtime.server.liveCalls.get(rtc.id)?.isLive, 'the Realtime call');
      const refused = await realtime.api(`/api/calls/${rtc.id}/dtmf`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digits: '1' }) });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: 'dtmf_unsupported', message: expect.stringContaining('Realtime, which cannot send keypad tones') });
      await rtc.ended;
    } finally {
      await realtime.close();
    }
  });

  it('a malformed Live event is dropped, logged and counted; the call goes on to its transfer', async () => {
    const logs = captureLogs();
    stack = await startLocalStack({ logger: logs.logger, env: liveEnv });
    const call = await stack.emulator.placeCall({
      webhooks: ['live'],
      steps: [
        { frame: { type: 'session.output_transcript.delta', event_id: 'bad_1', delta: 42, start_ms: 0, end_ms: 10 } },
        { frame: { type: 'response.event', event_id: 'bad_2', event: 'not an object' } },
        { frame: { type: 'session.closed', event_id: 'bad_3', reason: 'remote_hangup' } },
        { say: 'a person please' },
        { call: { name: 'transfer_call', arguments: {} } },
      ],
    });
    const record = await call.ended;
    expect(record.endedBy).toBe('refer');
    const dropped = logs.lines.filter((l) => l.msg === 'invalid server event dropped');
    expect(dropped.map((l) => [l.eventType, l.problem])).toEqual([
      ['session.output_transcript.delta', 'delta is not a string'],
      ['response.event', 'event is not a Responses stream event'],
      ['session.closed', 'usage.seconds is not a number'],
    ]);
    expect(dropped.every((l) => l.callId === call.liveSessionId)).toBe(true);
  });

  it('a Realtime agent takes a call whose Live webhook comes first; the Live one is only acknowledged', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall({ ...scenario('transfer'), webhooks: ['live', 'realtime'] });
    const record = await call.ended;
    expect(record.accepts).toMatchObject([{ surface: 'realtime', status: 200 }]);
    expect(record.webhooks.map((w) => [w.eventType, w.status, JSON.parse(w.responseBody ?? '{}').status])).toEqual([
      ['live.transport.incoming', 200, 'other_surface'],
      ['realtime.call.incoming', 200, 'accepted'],
    ]);
    expect(record.endedBy).toBe('refer');
  });

  it('recording: accepted with store: true, downloaded after the call (retried), served behind the token with Range, and by a signed link', async () => {
    const s = await startRecordsStack({
      env: { ...liveEnv, RECORDING: 'true' },
      server: { recordingDownloads: { firstDelayMs: 50, backoff: { baseMs: 20, maxMs: 20 } } },
    });
    stack = s;
    const call = await s.emulator.placeCall({ webhooks: ['live'], faults: { recordingStatuses: [503, 409] }, steps: [{ say: 'hello there' }, { hangup: true }] });
    const record = await call.ended;
    expect((record.accepts[0]!.body as Record<string, any>).session.store).toBe(true);
    const detail = await waitFor(async () => {
      const body = (await (await s.api(`/api/calls/${call.liveSessionId}`)).json()) as Record<string, any>;
      return body.recordingUrl ? body : undefined;
    }, 'the recording');
    expect(detail).toMatchObject({ surface: 'live', recording: true, recordingUrl: expect.stringMatching(new RegExp(`^/api/calls/${call.liveSessionId}/recording\\?expires=\\d+&signature=`)) });
    expect(record.recordingDownloads.map((r) => r.status)).toEqual([503, 409, 200]);

    // The file is the emulator's stereo WAV, whole.
    const full = await s.api(`/api/calls/${call.liveSessionId}/recording`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/wav');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const wav = Buffer.from(await full.arrayBuffer());
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(2);

    const part = await s.api(`/api/calls/${call.liveSessionId}/recording`, { headers: { range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-43/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(wav.subarray(0, 44));
    expect((await s.api(`/api/calls/${call.liveSessionId}/recording`, { headers: { range: `bytes=${wav.length}-` } })).status).toBe(416);

    // What the dashboard's <audio> uses: the signed link, no token.
    const signed = await fetch(`${s.serverUrl}${detail.recordingUrl}`);
    expect(signed.status).toBe(200);
    expect((await fetch(`${s.serverUrl}/api/calls/${call.liveSessionId}/recording`)).status).toBe(401);
    const forged = String(detail.recordingUrl).replace(/signature=[^&]+/, 'signature=AAAA');
    expect((await fetch(`${s.serverUrl}${forged}`)).status).toBe(401);
    expect((await s.api(`/api/calls/${call.id}/recording`)).status).toBe(404);
  });

  it('reconnects a dropped sideband (the session policy, as on Realtime) and keeps serving the call; the record counts the reconnect', async () => {
    const s = await startRecordsStack({ env: { ...liveEnv, RECONNECT_MAX_ATTEMPTS: '3' } });
    stack = s;
    const call = await s.emulator.placeCall({
      webhooks: ['live'],
      steps: [{ say: 'hello' }, { drop: true }, { wait: 600 }, { say: 'a person please' }, { call: { name: 'transfer_call', arguments: {} } }],
    });
    const record = await call.ended;
    expect(record.connectionCount).toBe(2);
    expect(record.connections[0]?.closedBy).toBe('drop');
    expect(record.endedBy).toBe('refer');
    expect(s.emulator.check(call.id, { functionOutputs: 1, errorEvents: 0 })).toEqual([]);
    const stored = await storedCall(s, call.liveSessionId);
    expect(stored).toMatchObject({ reconnects: 1, outcome: 'transferred' });
    // The greeting is not repeated on the new sideband.
    expect(record.clientEvents.filter((e) => (e.event as Record<string, unknown>).type === 'session.commentary.append')).toHaveLength(1);
  });
});
