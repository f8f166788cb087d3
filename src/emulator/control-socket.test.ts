import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type EmulatedCall, type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

interface Event {
  type: string;
  [key: string]: unknown;
}

/** A control-socket client that keeps every event it receives. */
class Client {
  readonly ws: WebSocket;
  readonly events: Event[] = [];
  readonly closed: Promise<number>;
  #waiters: (() => void)[] = [];

  constructor(url: string, key = apiKey) {
    this.ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` } });
    this.ws.on('message', (data) => {
      this.events.push(JSON.parse(String(data)) as Event);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(event: unknown): void {
    this.ws.send(typeof event === 'string' ? event : JSON.stringify(event));
  }

  /** Resolves with the first event of that type after `from` (index), waiting for it to arrive. */
  async next(type: string, from = 0): Promise<Event> {
    for (;;) {
      const found = this.events.slice(from).find((e) => e.type === type);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

/** The HTTP status of a refused upgrade. */
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

describe('control WebSocket', () => {
  let emu: Emulator;
  let client: OpenAI;
  const sockets: Client[] = [];
  const wsUrl = (callId: string) => `${emu.baseURL.replace(/^http/, 'ws')}/realtime?call_id=${callId}`;

  async function acceptedCall(scenario: ScenarioInput = {}): Promise<EmulatedCall> {
    const call = emu.createCall({ ringTimeoutMs: 60_000, greetingWaitMs: 60_000, ...scenario });
    await client.realtime.calls.accept(call.id, {
      type: 'realtime',
      audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } }, output: { voice: 'marin' } },
      tools: [{ type: 'function', name: 'transfer_call' }],
    });
    return call;
  }

  async function connect(callId: string): Promise<Client> {
    const c = new Client(wsUrl(callId));
    sockets.push(c);
    await c.opened();
    await c.next('session.created');
    return c;
  }

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, playbackMs: 20 });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.ws.terminate();
    await emu.close();
  });

  it('refuses a wrong key (401), an unknown call (404) and a call not accepted yet (400)', async () => {
    const call = await acceptedCall();
    expect(await refusedStatus(wsUrl(call.id), 'sk-wrong')).toBe(401);
    expect(await refusedStatus(wsUrl('rtc_00000000000000000000000000000000'))).toBe(404);
    const pending = emu.createCall({ ringTimeoutMs: 60_000 });
    expect(await refusedStatus(wsUrl(pending.id))).toBe(400);
    expect(call.record.connectionCount).toBe(0);
  });

  it('sends session.created with the accepted session', async () => {
    const call = await acceptedCall();
    const c = await connect(call.id);
    const created = await c.next('session.created');
    expect(created.session).toMatchObject({ type: 'realtime', model: 'gpt-realtime', audio: { output: { voice: 'marin' } } });
    expect(call.record.connections[0]).toMatchObject({ index: 1 });
  });

  it('plays a response.create: created, audio started, transcript, audio stopped, done', async () => {
    const call = await acceptedCall();
    const c = await connect(call.id);
    c.send({
      type: 'response.create',
      response: { instructions: 'Greet the caller: "Welcome to Acme."', metadata: { purpose: 'greeting' } },
    });
    const done = await c.next('response.done');
    expect(c.types().slice(1)).toEqual([
      'response.created',
      'output_audio_buffer.started',
      'response.output_audio_transcript.done',
      'output_audio_buffer.stopped',
      'response.done',
    ]);
    expect((await c.next('response.output_audio_transcript.done')).transcript).toBe('Welcome to Acme.');
    expect(done.response).toMatchObject({
      status: 'completed',
      metadata: { purpose: 'greeting' },
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    });
    expect((await c.next('response.created')).response).toMatchObject({ status: 'in_progress', metadata: { purpose: 'greeting' } });
    expect(call.record.greetingRequestedAt).toBeDefined();
    expect(emu.timeline(call.id)).toContain('agent    "Welcome to Acme."');
  });

  it('refuses a second response.create while one is active', async () => {
    const call = await acceptedCall();
    const c = await connect(call.id);
    c.send({ type: 'response.create' });
    c.send({ type: 'response.create', event_id: 'evt_client_2' });
    const error = await c.next('error');
    expect(error.error).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'evt_client_2' });
    expect(call.record.errorEvents).toHaveLength(1);
  });

  it('answers bad input with error events and records them', async () => {
    const call = await acceptedCall();
    const c = await connect(call.id);
    c.send('not json');
    c.send({ type: 'response.make' });
    c.send({ type: 'session.update', session: { instructions: 'x' } });
    c.send({ type: 'session.update', session: { type: 'realtime', voice: 'marin' } });
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_unknown', output: '{}' } });
    c.send({ type: 'response.cancel' });
    await c.next('error');
    await new Promise<void>((resolve) => {
      const tick = () => (c.events.filter((e) => e.type === 'error').length >= 6 ? resolve() : setTimeout(tick, 5));
      tick();
    });
    const errors = c.events.filter((e) => e.type === 'error').map((e) => e.error as { type: string; code: string; param: string | null });
    expect(errors.map((e) => [e.code, e.param])).toEqual([
      ['invalid_json', null],
      ['invalid_value', 'type'],
      ['missing_required_parameter', 'session.type'],
      ['unknown_parameter', 'session.voice'],
      ['invalid_value', 'item.call_id'],
      ['response_cancel_not_active', null],
    ]);
    expect(errors.every((e) => e.type === 'invalid_request_error')).toBe(true);
    expect(call.record.clientEvents).toHaveLength(6);
    expect(call.record.clientEvents[0]?.event).toEqual({ raw: 'not json' });
  });

  it('applies a valid session.update and answers session.updated', async () => {
    const call = await acceptedCall();
    const c = await connect(call.id);
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'New rules.' } });
    const updated = await c.next('session.updated');
    expect(updated.session).toMatchObject({ instructions: 'New rules.', audio: { output: { voice: 'marin' } } });
    expect(call.record.session?.instructions).toBe('New rules.');
  });

  it('makes a function call and records the output that comes back', async () => {
    const call = await acceptedCall({ greetingWaitMs: 0, steps: [{ call: { name: 'transfer_call', arguments: { reason: 'x' } } }] });
    const c = await connect(call.id);
    const item = (await c.next('response.output_item.done')).item as { type: string; call_id: string; name: string; arguments: string };
    expect(item).toMatchObject({ type: 'function_call', name: 'transfer_call', arguments: '{"reason":"x"}' });
    expect(item.call_id).toMatch(/^call_/);
    expect(c.types()).toEqual(expect.arrayContaining(['response.function_call_arguments.done', 'response.done']));
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: item.call_id, output: '{"ok":true}' } });
    await c.next('conversation.item.added');
    expect(call.record.functionCalls[0]?.outputs.map((o) => o.output)).toEqual(['{"ok":true}']);
  });

  it('cancels the active response: output_audio_buffer.cleared and a cancelled response.done', async () => {
    // A playback long enough that the response is still playing when the cancel arrives.
    const slow = await startEmulator({ apiKey, webhookSecret, logger: false, playbackMs: 60_000 });
    try {
      const call = slow.createCall({ ringTimeoutMs: 60_000, greetingWaitMs: 60_000 });
      await new OpenAI({ apiKey, baseURL: slow.baseURL, maxRetries: 0 }).realtime.calls.accept(call.id, { type: 'realtime' });
      const c = new Client(`${slow.baseURL.replace(/^http/, 'ws')}/realtime?call_id=${call.id}`);
      sockets.push(c);
      await c.next('session.created');
      c.send({ type: 'response.create' });
      await c.next('output_audio_buffer.started');
      c.send({ type: 'response.cancel' });
      expect((await c.next('response.done')).response).toMatchObject({ status: 'cancelled' });
      expect(c.types()).toContain('output_audio_buffer.cleared');
      expect(c.types()).not.toContain('output_audio_buffer.stopped');
      expect(call.record.responses[0]?.status).toBe('cancelled');
    } finally {
      await slow.close();
    }
  });

  it('allows a reconnect after a drop and counts connections', async () => {
    const call = await acceptedCall({ greetingWaitMs: 0, steps: [{ drop: true }, { wait: 60_000 }] });
    const first = await connect(call.id);
    expect(await first.closed).toBe(1006);
    const second = await connect(call.id);
    expect(second.ws.readyState).toBe(WebSocket.OPEN);
    expect(call.record.connectionCount).toBe(2);
    expect(call.record.connections[0]?.closedBy).toBe('drop');
  });

  it('closes every socket with 1000 on hangup', async () => {
    const call = await acceptedCall();
    const a = await connect(call.id);
    const b = await connect(call.id);
    await client.realtime.calls.hangup(call.id);
    expect(await a.closed).toBe(1000);
    expect(await b.closed).toBe(1000);
    expect(await refusedStatus(wsUrl(call.id))).toBe(404);
  });
});
