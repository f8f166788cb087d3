// CallSession's operator actions (transferTo, instruct) and its barge-in marking.
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../calls/call-events.ts';
import { HostAllowList } from '../sip/host-allow-list.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { createTransfers } from '../transfers/transfer.ts';
import { CallSession } from './call-session.ts';

const contact = { host: '67.231.5.176', port: 5061, hostPort: '67.231.5.176:5061', transport: 'tls' };

function setup(
  opts: {
    contact?: { host: string; port: number; hostPort: string; transport: string | null } | null;
    fallbackHost?: string;
    allowedHosts?: string[];
  } = {},
) {
  const control = new RecordingCallControl();
  const calls = control.actions;
  const transport = new FakeControlTransport();
  const events: CallEvent[] = [];
  const clock = new ManualClock();
  const session = new CallSession({
    callId: 'rtc_op',
    parties: {
      caller: '+19195551234',
      dialed: '+19195550000',
      sipCallId: 'abc',
      contact: opts.contact === undefined ? contact : opts.contact,
    },
    greeting: 'Hello!',
    tools: new Map(),
    transfers: createTransfers({
      destinations: [],
      policy: {
        carrier: { allowList: opts.allowedHosts ? new HostAllowList(opts.allowedHosts) : null, fallbackHost: opts.fallbackHost ?? null },
        context: [],
        profile: 'default',
        business: 'b',
        referTimeoutMs: 5_000,
        logPii: false,
      },
    }),
    transport,
    control,
    log: pino({ level: 'silent' }),
    logPii: false,
    reconnectMaxAttempts: 1,
    onEvent: (e) => events.push(e),
    clock,
  });
  session.start();
  return { session, transport, calls, events, clock };
}

/** Lets queued callbacks and promise chains run; no time passes. */
const tick = () => new Promise((r) => setImmediate(r));
const ev = (e: Record<string, unknown>) => ({ event_id: 'e', ...e }) as unknown as RealtimeServerEvent;
const agentSaid = (itemId: string, responseId: string, transcript: string) =>
  ev({
    type: 'response.output_audio_transcript.done',
    item_id: itemId,
    response_id: responseId,
    output_index: 0,
    content_index: 0,
    transcript,
  });
const responseDone = (id: string, status: string, itemIds: string[] = []) =>
  ev({
    type: 'response.done',
    response: { id, status, output: itemIds.map((itemId) => ({ type: 'message', role: 'assistant', id: itemId, content: [] })) },
  });
const transcripts = (events: CallEvent[]) =>
  events.flatMap((e) =>
    e.type === 'transcript'
      ? [`${e.itemId}${e.interrupted ? ' (interrupted)' : ''}`]
      : e.type === 'transcript.interrupted'
        ? [`${e.itemId} cut`]
        : [],
  );

describe('CallSession operator actions', () => {
  it('transferTo: a number goes to the Contact host, like the agent tool', async () => {
    const { session, calls, events } = setup();
    await tick();
    expect(await session.transferTo('+14155550123')).toEqual({ ok: true, uri: 'sip:+14155550123@67.231.5.176:5061;transport=tls' });
    expect(calls).toEqual(['refer sip:+14155550123@67.231.5.176:5061;transport=tls']);
    expect(events.filter((e) => e.type.startsWith('transfer.')).map((e) => e.type)).toEqual(['transfer.requested', 'transfer.completed']);
  });

  it('transferTo: a sip: URI is used as it is; without any host a number cannot be transferred', async () => {
    const a = setup();
    await tick();
    expect(await a.session.transferTo('sip:desk@pbx.example.com')).toEqual({ ok: true, uri: 'sip:desk@pbx.example.com' });
    const b = setup({ contact: null });
    await tick();
    expect(await b.session.transferTo('+14155550123')).toMatchObject({ ok: false, error: 'no_sip_host' });
    const c = setup({ contact: null, fallbackHost: 'edge.example.net:5060' });
    await tick();
    expect(await c.session.transferTo('+14155550123')).toEqual({ ok: true, uri: 'sip:+14155550123@edge.example.net:5060' });
    expect(c.calls).toEqual(['refer sip:+14155550123@edge.example.net:5060']);
  });

  it('transferTo: a Contact host off the carrier allow-list is never used: the fallback host, or a refusal', async () => {
    const a = setup({
      allowedHosts: ['67.231.5.0/24'],
      contact: { host: '203.0.113.66', port: 5060, hostPort: '203.0.113.66:5060', transport: null },
      fallbackHost: '67.231.5.10:5061',
    });
    await tick();
    expect(await a.session.transferTo('+14155550123')).toEqual({ ok: true, uri: 'sip:+14155550123@67.231.5.10:5061' });
    const b = setup({
      allowedHosts: ['67.231.5.0/24'],
      contact: { host: '203.0.113.66', port: 5060, hostPort: '203.0.113.66:5060', transport: null },
    });
    await tick();
    expect(await b.session.transferTo('+14155550123')).toMatchObject({ ok: false, error: 'no_sip_host' });
    expect(b.calls).toEqual([]);
  });

  it('transferTo: refuses once the call is ending', async () => {
    const { session, calls } = setup();
    await tick();
    await session.hangup('operator_hangup');
    expect(await session.transferTo('+14155550123')).toMatchObject({ ok: false });
    expect(calls).toEqual(['hangup']);
  });

  it("instruct: the supervisor's text goes in as a system message and the agent responds to it", async () => {
    const { session, transport, events } = setup();
    await tick();
    transport.last.finishResponse('resp_greeting');
    session.instruct('Offer the caller a 10% discount.');
    expect(transport.last.sent.slice(1)).toEqual([
      {
        type: 'conversation.item.create',
        item: {
          type: 'message',
          role: 'system',
          content: [{ type: 'input_text', text: 'Instruction from a human supervisor: Offer the caller a 10% discount.' }],
        },
      },
      { type: 'response.create', event_id: expect.any(String) },
    ]);
    expect(events.at(-1)).toEqual({ type: 'operator.instructed', callId: 'rtc_op', text: 'Offer the caller a 10% discount.' });
  });
});

describe('CallSession instruct while the agent is talking', () => {
  it('waits for the response in progress before asking for a new one', async () => {
    const { session, transport } = setup();
    await tick();
    transport.last.push(ev({ type: 'response.created', response: { id: 'resp_busy', status: 'in_progress' } }));
    session.instruct('Mention the sale.');
    session.instruct('And say goodbye.');
    const creates = () => transport.last.sent.slice(1).filter((e) => e.type === 'response.create').length;
    expect(transport.last.sent.slice(1).map((e) => e.type)).toEqual(['conversation.item.create', 'conversation.item.create']);
    transport.last.push(responseDone('resp_busy', 'completed'));
    expect(creates()).toBe(1);
    transport.last.push(ev({ type: 'response.created', response: { id: 'resp_sale', status: 'in_progress' } }));
    transport.last.push(responseDone('resp_sale', 'completed'));
    expect(creates()).toBe(2);
  });
});

describe('CallSession instruct across a reconnect', () => {
  it('a waiting instruction goes out on the new socket', async () => {
    const { session, transport, clock } = setup();
    await tick();
    transport.last.push(ev({ type: 'response.created', response: { id: 'resp_busy', status: 'in_progress' } }));
    session.instruct('Mention the sale.');
    transport.last.drop({ code: 1006 }); // response.done for resp_busy never comes
    await clock.advanceAsync(5_000); // past the first reconnect's delay, jitter included
    expect(transport.sockets).toHaveLength(2);
    expect(transport.last.sent.map((e) => e.type)).toEqual(['response.create']);
  });
});

describe('CallSession barge-in', () => {
  it('a response cancelled after its transcript marks that turn interrupted', async () => {
    const { transport, events } = setup();
    await tick();
    transport.last.push(agentSaid('item_1', 'resp_1', 'Our opening hours are'));
    transport.last.push(responseDone('resp_1', 'cancelled', ['item_1']));
    expect(transcripts(events)).toEqual(['item_1', 'item_1 cut']);
  });

  it('audio cleared before it finished playing marks the turn; cleared after it stopped does not', async () => {
    const { transport, events } = setup();
    await tick();
    transport.last.push(agentSaid('item_1', 'resp_1', 'Let me explain everything in detail'));
    transport.last.push(responseDone('resp_1', 'completed', ['item_1']));
    transport.last.push(ev({ type: 'output_audio_buffer.cleared', response_id: 'resp_1' }));
    transport.last.push(agentSaid('item_2', 'resp_2', 'Anything else?'));
    transport.last.push(responseDone('resp_2', 'completed', ['item_2']));
    transport.last.push(ev({ type: 'output_audio_buffer.stopped', response_id: 'resp_2' }));
    transport.last.push(ev({ type: 'output_audio_buffer.cleared', response_id: 'resp_2' }));
    expect(transcripts(events)).toEqual(['item_1', 'item_1 cut', 'item_2']);
  });

  it('a truncated item is marked once, and a cut known before the transcript rides on the transcript', async () => {
    const { transport, events } = setup();
    await tick();
    transport.last.push(agentSaid('item_1', 'resp_1', 'We are open'));
    transport.last.push(ev({ type: 'conversation.item.truncated', item_id: 'item_1', content_index: 0, audio_end_ms: 800 }));
    transport.last.push(ev({ type: 'output_audio_buffer.cleared', response_id: 'resp_1' }));
    transport.last.push(responseDone('resp_2', 'cancelled', ['item_2']));
    transport.last.push(agentSaid('item_2', 'resp_2', 'Sure, I'));
    expect(transcripts(events)).toEqual(['item_1', 'item_1 cut', 'item_2 (interrupted)']);
  });
});
