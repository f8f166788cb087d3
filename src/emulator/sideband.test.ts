import OpenAI from 'openai';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { SidebandServerEvent } from 'openai/resources/live/sideband/sideband';
import { SidebandWS } from 'openai/resources/live/sideband/ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type EmulatedCall, type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

const responsesSession: SessionAcceptParams['session'] = {
  type: 'live',
  model: 'gpt-live-1',
  delegation: {
    type: 'responses',
    responses: { model: 'gpt-5.2', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } }] },
  },
};

/** PCM16 mono 24 kHz silence of this many ms, base64. */
const pcm = (ms: number): string => Buffer.alloc(ms * 48).toString('base64');

/** The SDK's sideband client, keeping every event it receives. */
class Sideband {
  readonly sb: SidebandWS;
  readonly events: SidebandServerEvent[] = [];
  readonly closed: Promise<number>;
  #waiters: (() => void)[] = [];

  constructor(client: OpenAI, sessionId: string) {
    this.sb = new SidebandWS(client, { session_id: sessionId });
    this.sb.on('event', (event) => {
      this.events.push(event);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.sb.on('error', () => {}); // error events are kept above
    this.closed = new Promise((resolve) => this.sb.socket.on('close', (code) => resolve(code)));
  }

  /** The first event (from index `from`) that matches, waiting for it to arrive. */
  async find(match: (e: SidebandServerEvent) => boolean, from = 0): Promise<SidebandServerEvent> {
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async next<T extends SidebandServerEvent['type']>(type: T, from = 0): Promise<Extract<SidebandServerEvent, { type: T }>> {
    return (await this.find((e) => e.type === type, from)) as Extract<SidebandServerEvent, { type: T }>;
  }

  /** The error answering the client event with this event_id. */
  async errorFor(eventId: string): Promise<Extract<SidebandServerEvent, { type: 'error' }>> {
    return (await this.find((e) => e.type === 'error' && e.error.client_event_id === eventId)) as Extract<
      SidebandServerEvent,
      { type: 'error' }
    >;
  }

  /** The nested Responses event of this type, unwrapped from response.event. */
  async responseEvent(type: string): Promise<Record<string, unknown>> {
    const wrapped = await this.find((e) => e.type === 'response.event' && e.event.type === type);
    return wrapped.type === 'response.event' ? wrapped.event : {};
  }
}

function refusedStatus(url: string, key = apiKey): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` } });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('expected the upgrade to be refused')));
    ws.on('error', () => {});
  });
}

describe('GPT-Live sideband (the SDK SidebandWS against the emulator)', () => {
  let emu: Emulator;
  let client: OpenAI;
  const open: Sideband[] = [];
  const attachUrl = (id: string) => `${emu.baseURL.replace(/^http/, 'ws')}/live/sessions/${id}/attach`;

  async function liveCall(session: SessionAcceptParams['session'] = responsesSession, scenario: ScenarioInput = {}): Promise<EmulatedCall> {
    const call = emu.createCall({ ringTimeoutMs: 60_000, greetingWaitMs: 60_000, ...scenario });
    await client.live.sessions.accept(call.liveSessionId, { session });
    return call;
  }

  async function attach(call: EmulatedCall): Promise<Sideband> {
    const s = new Sideband(client, call.liveSessionId);
    open.push(s);
    await s.next('session.started');
    return s;
  }

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, playbackMs: 40 });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.sb.close();
    await emu.close();
  });

  it('refuses a wrong key, an unknown session, a pending one and one the Realtime API took', async () => {
    const call = await liveCall();
    expect(await refusedStatus(attachUrl(call.liveSessionId), 'sk-wrong')).toBe(401);
    expect(await refusedStatus(attachUrl('live_00000000000000000000000000000000'))).toBe(404);
    expect(await refusedStatus(attachUrl(call.id))).toBe(404);
    const pending = emu.createCall({ ringTimeoutMs: 60_000 });
    expect(await refusedStatus(attachUrl(pending.liveSessionId))).toBe(400);
    await client.realtime.calls.accept(pending.id, { type: 'realtime' });
    expect(await refusedStatus(attachUrl(pending.liveSessionId))).toBe(400);
    expect(await refusedStatus(`${attachUrl(call.liveSessionId)}?model=gpt-live-1`)).toBe(400);
  });

  it('greets through the backend: response.item.create + response.create → response.event, then transcript deltas', async () => {
    const call = await liveCall();
    const s = await attach(call);
    expect((await s.next('session.started')).session).toMatchObject({ id: call.liveSessionId, model: 'gpt-live-1' });
    s.sb.send({
      type: 'response.item.create',
      item: { type: 'message', role: 'developer', content: 'Greet the caller by saying exactly: "Hi there."' },
    });
    s.sb.send({ type: 'response.create' });
    const created = await s.next('response.event');
    expect(created.event).toMatchObject({ type: 'response.created', response: { status: 'in_progress', model: 'gpt-5.2' } });
    await s.next('session.usage.updated');
    const deltas = s.events.filter((e) => e.type === 'session.output_transcript.delta');
    expect(
      deltas
        .map((d) => d.delta)
        .join('')
        .trim(),
    ).toBe('Hi there.');
    for (const d of deltas) expect(d.end_ms).toBeGreaterThanOrEqual(d.start_ms);
    expect(call.record.greetingRequestedAt).toBeDefined();
  });

  it('refuses backend events under client delegation, and a delegation_id under Responses delegation', async () => {
    const clientCall = await liveCall({ type: 'live', model: 'gpt-live-1' });
    const s = await attach(clientCall);
    s.sb.send({ type: 'response.create', event_id: 'c1' });
    expect((await s.errorFor('c1')).error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringContaining('requires Responses delegation'),
    });

    const responsesCall = await liveCall();
    const r = await attach(responsesCall);
    r.sb.send({ type: 'session.commentary.append', content: 'x', delegation_id: 'dlg_1', event_id: 'c2' });
    expect((await r.errorFor('c2')).error).toMatchObject({ code: 'invalid_value', param: 'delegation_id' });
    r.sb.sendRaw(JSON.stringify({ type: 'session.thinking.append', content: 'x', event_id: 'c3' }));
    expect((await r.errorFor('c3')).error).toMatchObject({ code: 'missing_required_parameter', param: 'delegation_id' });
  });

  it('speaks commentary, cancels nothing else, and answers appended with the session timeline', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.send({ type: 'session.commentary.append', content: 'Say "Your order shipped."', delegation_id: null, event_id: 'm1' });
    const appended = await s.next('session.commentary.appended');
    expect(appended.client_event_id).toBe('m1');
    await s.next('session.usage.updated');
    expect(call.record.transcript.map((l) => l.text)).toContain('Your order shipped.');
  });

  it('plays a fixture: validated whole, cuts the model off, one at a time, played when it ends', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.send({ type: 'session.output_audio.fixture.play', audio: 'not base64!', event_id: 'f0' });
    expect((await s.errorFor('f0')).error.param).toBe('audio');
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(100)]).toString('base64');
    s.sb.send({ type: 'session.output_audio.fixture.play', audio: wav, event_id: 'f1' });
    expect((await s.errorFor('f1')).error.message).toContain('without a WAV');
    s.sb.send({ type: 'session.output_audio.fixture.play', audio: pcm(30_001), event_id: 'f2' });
    expect((await s.errorFor('f2')).error.code).toBe('audio_too_long');

    s.sb.send({
      type: 'session.commentary.append',
      content: 'Say "a long sentence that will be cut off by the clip"',
      delegation_id: null,
    });
    await s.next('session.output_transcript.delta');
    s.sb.send({ type: 'session.output_audio.fixture.play', audio: pcm(60), event_id: 'f3' });
    expect((await s.next('session.output_audio.fixture.playing')).client_event_id).toBe('f3');
    s.sb.send({ type: 'session.output_audio.fixture.play', audio: pcm(60), event_id: 'f4' });
    expect((await s.errorFor('f4')).error.code).toBe('fixture_already_active');
    s.sb.send({ type: 'session.thinking.append', content: 'x', delegation_id: null, event_id: 'f5' });
    expect((await s.errorFor('f5')).error.code).toBe('fixture_active');
    expect((await s.next('session.output_audio.fixture.played')).client_event_id).toBe('f3');
    expect(call.record.fixtures).toMatchObject([{ status: 'played', durationMs: 60, clientEventId: 'f3' }]);
    expect(call.record.responses.find((r) => r.origin === 'commentary')?.status).toBe('cancelled');
    expect(emu.check(call.id, { fixtures: 1 })).toEqual([]);
  });

  it('sends DTMF one key per event and confirms each with transport.dtmf.sent', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.send({ type: 'transport.dtmf.send', event: '12', event_id: 'd0' });
    expect((await s.errorFor('d0')).error.param).toBe('event');
    for (const [i, key] of [...'1#'].entries()) s.sb.send({ type: 'transport.dtmf.send', event: key, event_id: `d${i + 1}` });
    const sent = await s.next('transport.dtmf.sent');
    expect(sent).toMatchObject({ event: '1', client_event_id: 'd1' });
    await s.next('transport.dtmf.sent', s.events.indexOf(sent) + 1);
    expect(emu.check(call.id, { dtmfSent: '1#' })).toEqual([]);
  });

  it('runs a delegated function call: outputs go back as response.item.create, then response.create', async () => {
    const call = await liveCall(responsesSession, {
      steps: [{ call: { name: 'lookup', arguments: { id: 7 } } }],
      greetingWaitMs: 0,
      idleHangupMs: 100,
    });
    const s = await attach(call);
    const delegation = await s.next('session.delegation.created');
    expect(delegation.delegation).toMatchObject({ target: 'responses', type: 'delegation' });
    const done = await s.responseEvent('response.output_item.done');
    const item = done.item as { call_id: string; name: string; arguments: string };
    expect(item).toMatchObject({ name: 'lookup', arguments: '{"id":7}' });
    s.sb.send({ type: 'response.create', event_id: 'early' });
    expect((await s.errorFor('early')).error.message).toContain('No tool output');
    s.sb.send({ type: 'response.item.create', item: { type: 'function_call_output', call_id: item.call_id, output: '{"ok":true}' } });
    s.sb.send({ type: 'response.create' });
    await call.ended;
    expect(emu.check(call.id, { functionOutputs: 1 })).toEqual([]);
    expect(call.record.transcript.map((l) => l.text)).toEqual(['One moment, please.', 'All right, that is done.']);
  });

  it('session.update changes the delegation but never its type', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.send({ type: 'session.update', session: { delegation: { type: 'client' } }, event_id: 'u1' });
    expect((await s.errorFor('u1')).error.param).toBe('session.delegation.type');
    s.sb.sendRaw(JSON.stringify({ type: 'session.update', session: { instructions: 'new' }, event_id: 'u2' }));
    expect((await s.errorFor('u2')).error).toMatchObject({ code: 'unknown_parameter', param: 'session.instructions' });
    s.sb.send({
      type: 'session.update',
      session: { delegation: { type: 'responses', responses: { instructions: 'Be brief.' } } },
      event_id: 'u3',
    });
    const updated = await s.next('session.updated');
    expect(updated.session.delegation).toMatchObject({ type: 'responses', responses: { model: 'gpt-5.2', instructions: 'Be brief.' } });
  });

  it('refuses what a sideband cannot send, and what is not JSON', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.sendRaw(JSON.stringify({ type: 'session.start', event_id: 'x1' }));
    expect((await s.errorFor('x1')).error.message).toContain('do not send session.start');
    s.sb.sendRaw(JSON.stringify({ type: 'conversation.item.create', event_id: 'x2' }));
    expect((await s.errorFor('x2')).error).toMatchObject({ code: 'invalid_value', param: 'type' });
    const before = s.events.length;
    s.sb.sendRaw('{nope');
    const error = await s.next('error', before);
    expect(error.error.code).toBe('invalid_json');
  });

  it('session.close ends the call: session.closed close_requested with usage, then the socket closes', async () => {
    const call = await liveCall();
    const s = await attach(call);
    s.sb.send({ type: 'session.close' });
    const closed = await s.next('session.closed');
    expect(closed).toMatchObject({ reason: 'close_requested', session: { id: call.liveSessionId } });
    expect(typeof closed.usage.seconds).toBe('number');
    expect(await s.closed).toBe(1000);
    expect(call.record).toMatchObject({ endedBy: 'closed', closeReason: 'close_requested' });
  });

  it('a muted caller is not transcribed; the caller hanging up closes the session as remote_hangup', async () => {
    const call = await liveCall(responsesSession, {
      steps: [{ wait: 50 }, { say: 'can you hear me' }, { hangup: true }],
      greetingWaitMs: 0,
    });
    const s = await attach(call);
    s.sb.send({ type: 'session.input_audio.mute' });
    await s.next('session.input_audio.muted');
    expect((await s.next('session.closed')).reason).toBe('remote_hangup');
    expect(s.events.some((e) => e.type === 'session.input_transcript.delta')).toBe(false);
    expect(emu.timeline(call.id)).toContain('(heard "": input muted or a fixture playing)');
  });
});
