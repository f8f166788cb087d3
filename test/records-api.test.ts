// Records, the operator API and metrics, end to end: the real server and the emulator over real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from './support/capture-logs.ts';
import { type RecordsStack, readSse, startRecordsStack, waitFor } from './support/records-stack.ts';

let stack: RecordsStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const transferScenario = {
  steps: [{ say: "Hi, I'd like to speak to a person." }, { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } }],
};

/** The record once it is written with its end. */
async function endedRecord(s: RecordsStack, callId: string): Promise<Record<string, any>> {
  return waitFor(async () => {
    const res = await s.api(`/api/calls/${callId}`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as Record<string, any>;
    return body.endedAt && !body.live ? body : undefined;
  }, `the record of ${callId}`);
}

describe('call records, end to end', () => {
  it('a full emulated call leaves a complete record: transcript, transfer, usage, timeline', async () => {
    stack = await startRecordsStack();
    const call = await stack.emulator.placeCall(transferScenario);
    const emulated = await call.ended;
    const record = await endedRecord(stack, call.id);

    expect(record).toMatchObject({
      callId: call.id,
      caller: '+19195551234',
      dialed: '+19195550000',
      profile: 'default',
      outcome: 'transferred',
      endReason: 'transferred',
      transfer: { target: 'sip:+19195554321@67.231.5.176:5061;transport=tls', status: 'referred', error: null },
      tools: [
        { name: 'transfer_call', arguments: '{"reason":"wants a person"}', output: { ok: true, status: 'transferring' }, error: null },
      ],
      errors: [],
      live: false,
    });
    expect(record.sipCallId).toBe(emulated.sipHeaders.find((h) => h.name === 'Call-ID')?.value);
    expect(record.sipHeaders).toEqual(emulated.sipHeaders);
    for (const key of ['startedAt', 'acceptedAt', 'connectedAt', 'endedAt']) expect(Date.parse(record[key]), key).not.toBeNaN();
    expect(Date.parse(record.startedAt)).toBeLessThanOrEqual(Date.parse(record.acceptedAt));
    expect(Date.parse(record.acceptedAt)).toBeLessThanOrEqual(Date.parse(record.connectedAt));
    expect(record.answerMs).toBeGreaterThan(0);
    expect(record.usage.totalTokens).toBeGreaterThan(0);
    expect(record.usage.totalTokens).toBe(record.usage.inputTokens + record.usage.outputTokens);
    // the transcript is the conversation as the emulator had it, in order
    expect(record.transcript.map((t: { speaker: string; text: string }) => [t.speaker, t.text])).toEqual(
      emulated.transcript.map((t) => [t.speaker, t.text]),
    );
    expect(record.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'call.accepted',
        'control.connected',
        'greeting.requested',
        'transcript',
        'tool.called',
        'transfer.requested',
        'transfer.completed',
        'tool.completed',
        'usage',
        'call.ended',
      ]),
    );

    // The list reads the store: it catches up within one batch window.
    const listed = await waitFor(async () => {
      const list = (await (await stack!.api(`/api/calls?q=${encodeURIComponent('SPEAK to a person')}&outcome=transferred`)).json()) as {
        calls: { callId: string }[];
      };
      return list.calls.length > 0 ? list.calls.map((c) => c.callId) : undefined;
    }, 'the call in the list');
    expect(listed).toEqual([call.id]);

    // It is in the database, not only in memory: a fresh process would read the same.
    await stack.server.shutdown();
    const stored = await stack.store.getCall(call.id);
    const { live: _live, recordingUrl: _recordingUrl, ...withoutLive } = record;
    // Its cost is set when the record closes, a batch window after the call ended.
    expect(stored).toEqual({
      ...withoutLive,
      cost: expect.objectContaining({ realtimeUsd: expect.any(Number), pricesCheckedOn: expect.any(String) }),
    });
    expect(stored!.cost!.realtimeUsd).toBeGreaterThan(0);
  });

  it('SSE delivers a live call’s transcript in order, then ends', async () => {
    stack = await startRecordsStack();
    const call = await stack.emulator.placeCall({
      steps: [
        { say: 'first, the caller speaks' },
        { reply: 'then the agent answers' },
        { wait: 200 },
        { say: 'and the caller again' },
        { hangup: true },
      ],
    });
    const res = await stack.api(`/api/calls/${call.id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res); // returns when the server ends the stream
    const emulated = await call.ended;

    expect(events.at(-1)).toEqual({ event: 'end', data: { callId: call.id, outcome: 'completed', endReason: 'caller_hangup' } });
    expect(events.at(-2)?.event).toBe('call.ended');
    const seqs = events.slice(0, -1).map((e) => Number(e.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // every event once, in order
    const transcript = events.filter((e) => e.event === 'transcript').map((e) => [e.data.data.speaker, e.data.data.text]);
    expect(transcript).toEqual(emulated.transcript.map((t) => [t.speaker, t.text]));
    expect(transcript.map(([, text]) => text)).toEqual([
      'Hello! How can I assist you today?',
      'first, the caller speaks',
      'then the agent answers',
      'and the caller again',
    ]);
  });
});

describe('steering a live call through the API, end to end', () => {
  async function liveCall(s: RecordsStack, steps: object[]) {
    const call = await s.emulator.placeCall({ steps, idleHangupMs: 30_000 });
    await waitFor(async () => {
      const res = await s.api(`/api/calls/${call.id}`);
      return res.status === 200 && ((await res.json()) as { connectedAt: string | null }).connectedAt !== null;
    }, 'the control socket');
    return call;
  }

  it('say: the agent gets the supervisor’s instruction and responds; transfer: REFER to the number at the carrier edge', async () => {
    stack = await startRecordsStack();
    const call = await liveCall(stack, [{ say: 'hello?' }, { wait: 20_000 }]);

    const say = await stack.api(`/api/calls/${call.id}/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Tell the caller about our spring sale.' }),
    });
    expect(say.status).toBe(202);
    const instructed = await waitFor(() => {
      const events = stack!.emulator.call(call.id)!.clientEvents.map((e) => e.event as Record<string, any>);
      const at = events.findIndex((e) => e.type === 'conversation.item.create' && e.item?.role === 'system');
      return at >= 0 && events[at + 1]?.type === 'response.create' ? events[at] : undefined;
    }, 'the instruction at the emulator');
    expect(instructed.item.content[0].text).toContain('Tell the caller about our spring sale.');
    expect(stack.emulator.call(call.id)!.clientEvents.filter((e) => e.error !== undefined)).toEqual([]);

    const transfer = await stack.api(`/api/calls/${call.id}/transfer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: '+14155550123' }),
    });
    expect(transfer.status).toBe(200);
    expect(await transfer.json()).toEqual({
      callId: call.id,
      status: 'transferring',
      target: 'sip:+14155550123@67.231.5.176:5061;transport=tls',
    });
    const emulated = await call.ended;
    expect(emulated.endedBy).toBe('refer');
    expect(emulated.refers.map((r) => r.targetUri)).toEqual(['sip:+14155550123@67.231.5.176:5061;transport=tls']);

    const record = await endedRecord(stack, call.id);
    expect(record).toMatchObject({
      outcome: 'transferred',
      transfer: { status: 'referred', target: 'sip:+14155550123@67.231.5.176:5061;transport=tls' },
    });
    expect(
      record.timeline.filter((e: { type: string }) => e.type === 'operator.instructed').map((e: { data: { text: string } }) => e.data.text),
    ).toEqual(['Tell the caller about our spring sale.']);
  });

  it('hangup ends the live call; the API then says it is not live', async () => {
    stack = await startRecordsStack();
    const call = await liveCall(stack, [{ wait: 20_000 }]);
    const hangup = await stack.api(`/api/calls/${call.id}/hangup`, { method: 'POST' });
    expect(hangup.status).toBe(200);
    const emulated = await call.ended;
    expect(emulated.endedBy).toBe('hangup');
    expect(emulated.hangups).toHaveLength(1);
    const again = await stack.api(`/api/calls/${call.id}/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(again.status).toBe(404);
    expect(await endedRecord(stack, call.id)).toMatchObject({ outcome: 'completed', endReason: 'operator_hangup' });
  });

  it('refuses without the token, over the wire too', async () => {
    stack = await startRecordsStack();
    const call = await liveCall(stack, [{ wait: 20_000 }]);
    for (const authorization of ['', 'Bearer wrong-token-wrong-token']) {
      const res = await fetch(`${stack.serverUrl}/api/calls/${call.id}/hangup`, {
        method: 'POST',
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
    }
    expect(stack.server.liveCalls.has(call.id)).toBe(true);
    expect(stack.emulator.call(call.id)!.hangups).toHaveLength(0);
  });
});

describe('logs, end to end', () => {
  it('every log line of a call carries its call id, and phone numbers are redacted', async () => {
    const logs = captureLogs('debug');
    stack = await startRecordsStack({
      logger: logs.logger,
      // a receiver that is down, so delivery failures are logged too
      env: { CALL_EVENTS_URL: 'http://127.0.0.1:9/hooks', CALL_EVENTS_SECRET: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' },
      server: { callEventsDelivery: { pollMs: 20, retryBaseMs: 20 } },
    });
    const call = await stack.emulator.placeCall({
      steps: [{ say: 'call me back on 919 555 1234' }, { call: { name: 'transfer_call', arguments: {} } }],
    });
    await call.ended;
    await waitFor(() => logs.lines.some((l) => l.msg === 'call event delivery failed; will retry'), 'a delivery attempt');
    await stack.close();
    stack = undefined;
    const processLevel = /^(configuration warnings|switchboard ready|joined the cluster|draining|stopped|Server listening at .*)$/;
    const callLines = logs.lines.filter((l) => !processLevel.test(l.msg ?? ''));
    expect(callLines.length).toBeGreaterThan(5);
    expect(callLines.filter((l) => l.callId !== call.id)).toEqual([]);
    expect(logs.text()).not.toMatch(/\+19195551234|919 555 1234|\+19195554321/);
  });
});

describe('metrics, end to end', () => {
  it('show the calls that were made', async () => {
    stack = await startRecordsStack();
    const transferred = await stack.emulator.placeCall(transferScenario);
    const hungUp = await stack.emulator.placeCall({ steps: [{ say: 'just a question' }, { hangup: true }] });
    const rejectedAccept = stack.emulator.createCall({ faults: { acceptStatuses: [404] } });
    await stack.emulator.deliverWebhook(rejectedAccept.id);
    await Promise.all([transferred.ended, hungUp.ended]);
    await waitFor(() => stack!.server.liveCalls.size === 0, 'calls to end');

    const text = await (await fetch(`${stack.serverUrl}/metrics`)).text();
    const sample = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1],
      );
    expect(sample('switchboard_calls_total{outcome="transferred"}')).toBe(1);
    expect(sample('switchboard_calls_total{outcome="completed"}')).toBe(1);
    expect(sample('switchboard_calls_total{outcome="missed"}')).toBe(1);
    expect(sample('switchboard_webhook_to_accept_seconds_count')).toBe(2);
    expect(sample('switchboard_active_calls')).toBe(0);
    expect(sample('switchboard_transfer_seconds_count{result="referred"}')).toBe(1);
    expect(sample('switchboard_tool_seconds_count{tool="transfer_call",result="ok"}')).toBe(1);
    expect(sample('switchboard_control_reconnects_total')).toBe(0);
    expect(sample('switchboard_accept_failures_total')).toBe(0);
    expect(sample('switchboard_call_events_backlog')).toBe(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });
});
