import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { describe, expect, it } from 'vitest';
import type { CallEvent, EndReason } from '../calls/call-events.ts';
import { BusinessHours, type OpenRange, parseRange } from '../hours/business-hours.ts';
import { createLogger } from '../log/logger.ts';
import { parseCallParties } from '../sip/index.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { createTransfers } from '../transfers/transfer.ts';
import { type DtmfAction, dtmfHandler } from './dtmf-handler.ts';
import { idleWatch } from './idle-watch.ts';
import { maxDuration } from './max-duration.ts';
import { ResponseGate } from './response-gate.ts';
import type { ExtensionContext, SessionExtensionFactory } from './session-extension.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

function harness(factory: SessionExtensionFactory, clock = new ManualClock()) {
  const sent: RealtimeClientEvent[] = [];
  const says: string[] = [];
  const refers: string[] = [];
  const events: CallEvent[] = [];
  let hungUp: EndReason | null = null;
  const responses = new ResponseGate((e) => void sent.push(e));
  const ctx: ExtensionContext = {
    callId: 'rtc_1',
    parties: parseCallParties([
      { name: 'From', value: '<sip:+12125551234@67.231.5.176>' },
      { name: 'To', value: '<sip:+18005550100@sip.api.openai.com>' },
      { name: 'Contact', value: '<sip:67.231.5.176:5061;transport=tls>' },
    ]),
    control: { accept: async () => {}, reject: async () => {}, hangup: async () => {}, refer: async (_id, uri) => void refers.push(uri) },
    log: createLogger('silent'),
    send: (e) => void sent.push(e),
    responses,
    clock,
    call: {
      say: async (text) => void says.push(text),
      hangup: async (reason) => void (hungUp = reason),
      markTransferred: () => {},
      emit: (e) => void events.push(e),
    },
  };
  const ext = factory(ctx);
  // As the session does: its one gate sees every server event, then the extensions do.
  const server = (e: RealtimeServerEvent) => {
    responses.observe(e);
    ext.onServerEvent?.(e);
  };
  return { ext, sent, says, refers, events, server, hungUp: () => hungUp };
}

const dtmf = (digit: string) => ({ type: 'input_audio_buffer.dtmf_event_received', event: digit, received_at: 0 }) as RealtimeServerEvent;
const ev = (type: string, extra: Record<string, unknown> = {}) => ({ type, event_id: 'e', ...extra }) as unknown as RealtimeServerEvent;
const response = (type: 'response.created' | 'response.done', id: string) => ev(type, { response: { id, status: 'completed' } });

describe('keypad input', () => {
  const day = parseRange('09:00-17:00') as OpenRange;
  const billingHours = new BusinessHours({
    timeZone: 'America/New_York',
    weekly: [[day], [day], [day], [day], [day], [], []],
    closures: [],
  });
  const saturday = Date.parse('2026-03-14T16:00:00Z');
  const monday = Date.parse('2026-03-09T16:00:00Z');
  const setup = (at: number) => {
    const clock = new ManualClock({ epochMs: at });
    const transfers = createTransfers({
      destinations: [
        { name: 'operator', to: '+19195550000', description: 'Front desk', hours: null },
        { name: 'billing', to: '+19195550001', description: 'Billing', hours: billingHours },
      ],
      policy: {
        carrier: { allowList: null, fallbackHost: null },
        context: [],
        profile: 'p',
        business: 'b',
        referTimeoutMs: 5_000,
        logPii: false,
      },
      clock: () => clock.epochMs(),
    });
    const actions = new Map<string, DtmfAction>([
      ['0', { kind: 'transfer', destination: 'operator' }],
      ['2', { kind: 'transfer', destination: 'billing' }],
      ['9', { kind: 'hangup' }],
      ['*', { kind: 'say', instructions: 'Read the opening hours.' }],
    ]);
    return { clock, h: harness(dtmfHandler({ actions, interDigitMs: 1000, transfers, goodbyeMaxMs: 100 }), clock) };
  };

  it('passes unmapped digits to the model as context after a pause, in one item', () => {
    const { clock, h } = setup(monday);
    for (const d of ['1', '2', '3', '4']) h.server(dtmf(d));
    expect(h.sent).toEqual([]);
    clock.advance(1000);
    expect(h.sent).toEqual([
      {
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '[keypad] The caller pressed: 1 2 3 4' }] },
      },
      { type: 'response.create', event_id: expect.any(String) },
    ]);
    expect(h.events).toContainEqual({ type: 'dtmf', callId: 'rtc_1', digits: '1234', action: null });
  });

  it('ends a run at # without waiting', () => {
    const { h } = setup(monday);
    for (const d of ['4', '2', '#']) h.server(dtmf(d));
    expect(h.sent[0]).toMatchObject({ item: { content: [{ text: '[keypad] The caller pressed: 4 2 #' }] } });
  });

  it('waits for the response in progress before asking for another', () => {
    const { clock, h } = setup(monday);
    h.server(response('response.created', 'resp_1'));
    h.server(dtmf('5'));
    clock.advance(1000);
    expect(h.sent.map((e) => e.type)).toEqual(['conversation.item.create']);
    h.server(response('response.done', 'resp_1'));
    expect(h.sent.map((e) => e.type)).toEqual(['conversation.item.create', 'response.create']);
  });

  it('maps "0" to a transfer to the operator: announced, then referred', async () => {
    const { clock, h } = setup(monday);
    h.server(dtmf('0'));
    clock.advance(1000);
    await flush();
    expect(h.says).toEqual(['Tell the caller, in one short sentence, that you are transferring them to operator now.']);
    expect(h.refers).toEqual(['sip:+19195550000@67.231.5.176:5061;transport=tls']);
    expect(h.events).toContainEqual({ type: 'dtmf', callId: 'rtc_1', digits: '0', action: 'transfer:operator' });
  });

  it('does not dial a closed department from the keypad: the model is told instead', async () => {
    const { clock, h } = setup(saturday);
    h.server(dtmf('2'));
    clock.advance(1000);
    await flush();
    expect(h.refers).toEqual([]);
    expect(h.sent).toEqual([
      {
        type: 'response.create',
        event_id: expect.any(String),
        response: { instructions: expect.stringContaining('billing is closed right now. It opens Monday 2026-03-16 at 09:00.') },
      },
    ]);
  });

  it('a mapped digit inside a longer run is just digits', async () => {
    const { clock, h } = setup(monday);
    h.server(dtmf('1'));
    h.server(dtmf('0'));
    clock.advance(1000);
    await flush();
    expect(h.refers).toEqual([]);
    expect(h.sent[0]).toMatchObject({ type: 'conversation.item.create' });
  });

  it('maps hang-up and say actions; cuts off a response in progress before the goodbye', async () => {
    const { clock, h } = setup(monday);
    h.server(dtmf('*'));
    clock.advance(1000);
    expect(h.sent).toEqual([
      { type: 'response.create', event_id: expect.any(String), response: { instructions: 'Read the opening hours.' } },
    ]);
    h.server(response('response.created', 'resp_2'));
    h.server(dtmf('9'));
    clock.advance(1000);
    await flush();
    expect(h.sent.slice(1)).toEqual([{ type: 'response.cancel' }, { type: 'output_audio_buffer.clear' }]);
    expect(h.says).toEqual(['Say a brief, friendly goodbye to the caller.']);
    expect(h.hungUp()).toBe('agent_hangup');
  });
});

describe('idle handling', () => {
  const setup = () => {
    const clock = new ManualClock();
    const h = harness(
      idleWatch({
        repromptAfterMs: 8000,
        hangupAfterMs: 20000,
        repromptInstructions: 'Ask if they are there.',
        goodbyeInstructions: 'Say goodbye.',
        goodbyeMaxMs: 100,
      }),
      clock,
    );
    return { clock, h };
  };
  const agentTurn = (h: ReturnType<typeof harness>, id: string) => {
    h.server(response('response.created', id));
    h.server(ev('output_audio_buffer.started', { response_id: id }));
    h.server(response('response.done', id));
    h.server(ev('output_audio_buffer.stopped', { response_id: id }));
  };

  it('re-prompts after N seconds of silence once the agent stops, then hangs up after M', async () => {
    const { clock, h } = setup();
    agentTurn(h, 'greeting');
    clock.advance(7999);
    expect(h.sent).toEqual([]);
    clock.advance(1);
    expect(h.sent).toEqual([
      { type: 'response.create', event_id: expect.any(String), response: { instructions: 'Ask if they are there.' } },
    ]);
    agentTurn(h, 'reprompt'); // the re-prompt itself does not restart the clock
    clock.advance(11999);
    expect(h.hungUp()).toBeNull();
    clock.advance(1);
    await flush();
    expect(h.says).toEqual(['Say goodbye.']);
    expect(h.hungUp()).toBe('idle_timeout');
  });

  it('caller speech, keypad input and running tools stop the clock', () => {
    const { clock, h } = setup();
    agentTurn(h, 'r1');
    clock.advance(5000);
    h.server(ev('input_audio_buffer.speech_started', { item_id: 'i', audio_start_ms: 0 }));
    clock.advance(60000);
    expect(h.sent).toEqual([]);
    agentTurn(h, 'r2');
    clock.advance(5000);
    h.server(dtmf('1'));
    clock.advance(60000);
    expect(h.sent).toEqual([]);
    agentTurn(h, 'r3');
    h.ext.onCallEvent?.({ type: 'tool.called', callId: 'rtc_1', toolCallId: 't', name: 'x', arguments: '{}' });
    clock.advance(60000);
    expect(h.sent).toEqual([]);
    expect(h.hungUp()).toBeNull();
  });

  it('caller speech after the re-prompt starts over', () => {
    const { clock, h } = setup();
    agentTurn(h, 'r1');
    clock.advance(8000);
    agentTurn(h, 'reprompt');
    h.server(ev('conversation.item.input_audio_transcription.completed', { item_id: 'i', content_index: 0, transcript: 'yes' }));
    clock.advance(60000);
    expect(h.hungUp()).toBeNull();
    expect(clock.pendingCount).toBe(0);
  });

  it('stops its timers when the call ends', () => {
    const { clock, h } = setup();
    agentTurn(h, 'r1');
    h.ext.onEnd?.();
    expect(clock.pendingCount).toBe(0);
  });
});

describe('maximum call duration', () => {
  it('says goodbye and hangs up when the time is up, counted from the start', async () => {
    const clock = new ManualClock();
    const h = harness(maxDuration({ maxMs: 300_000, goodbyeMaxMs: 100 }), clock);
    h.ext.onStart?.();
    clock.advance(299_999);
    expect(h.hungUp()).toBeNull();
    clock.advance(1);
    await flush();
    expect(h.says).toHaveLength(1);
    expect(h.hungUp()).toBe('max_duration');
  });

  it('does nothing after the call ended', () => {
    const clock = new ManualClock();
    const h = harness(maxDuration({ maxMs: 1000, goodbyeMaxMs: 100 }), clock);
    h.ext.onStart?.();
    h.ext.onEnd?.();
    expect(clock.pendingCount).toBe(0);
  });
});
