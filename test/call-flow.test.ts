import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../src/emulator/index.ts';
import { type LocalStack, startLocalStack } from '../src/testing/local-stack.ts';
import { captureLogs } from './support/capture-logs.ts';

const scenario = (name: string) =>
  JSON.parse(readFileSync(new URL(`../src/emulator/scenarios/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('a call, end to end against the emulator', () => {
  it('accepts with the agent config, greets, transcribes and transfers to the Contact host', async () => {
    const logs = captureLogs();
    stack = await startLocalStack({ logger: logs.logger, env: { LOG_TRANSCRIPTS: 'true' } });
    const call = await stack.emulator.placeCall(scenario('transfer'));
    const record = await call.ended;

    expect(record.accepts).toHaveLength(1);
    const body = record.accepts[0]?.body as Record<string, any>;
    expect(body).toMatchObject({
      type: 'realtime',
      model: 'gpt-realtime-2.1',
      instructions: 'You are a helpful customer support agent.',
      audio: {
        input: { transcription: { model: 'gpt-transcribe' }, turn_detection: { type: 'semantic_vad' } },
        output: { voice: 'marin' },
      },
    });
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['transfer_call', 'end_call']);

    const firstEvent = record.clientEvents[0]?.event as Record<string, any>;
    expect(firstEvent).toMatchObject({
      type: 'response.create',
      response: { input: [{ content: [{ type: 'input_text', text: 'Hello! How can I assist you today?' }] }] },
    });

    expect(record.refers.map((r) => r.targetUri)).toEqual(['sip:+19195554321@67.231.5.176:5061;transport=tls']);
    expect(record.endedBy).toBe('refer');
    expect(stack.emulator.check(call.id, { functionOutputs: 1, errorEvents: 0 })).toEqual([]);

    const transcripts = logs.lines.filter((l) => l.msg === 'transcript');
    expect(transcripts).toContainEqual(
      expect.objectContaining({ callId: call.id, speaker: 'caller', text: "Hi, I'd like to speak to a person." }),
    );
    expect(transcripts).toContainEqual(
      expect.objectContaining({ callId: call.id, speaker: 'agent', text: 'Hello! How can I assist you today?' }),
    );
    // Phone numbers are redacted, secrets never logged.
    expect(logs.text()).not.toContain('+19195551234');
    expect(logs.text()).not.toContain(stack.config.openaiApiKey);
    expect(logs.text()).not.toContain(stack.config.webhookSecret);
  });

  it('end_call: the goodbye plays, then the call is hung up', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall(scenario('end-call'));
    const record = await call.ended;
    expect(record.endedBy).toBe('hangup');
    expect(record.hangups).toHaveLength(1);
    const goodbye = record.responses.filter((r) => r.origin === 'client').at(-1);
    expect(goodbye?.status).toBe('completed');
    expect(record.hangups[0]?.receivedAt).toBeGreaterThanOrEqual(goodbye?.doneAt ?? Infinity);
  });

  it('tells the caller when the REFER fails', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall(scenario('refer-fails'));
    const record = await call.ended;
    expect(record.refers.map((r) => r.status)).toEqual([500]);
    const output = record.functionCalls[0]?.outputs[0]?.output ?? '';
    expect(JSON.parse(output)).toMatchObject({ ok: false, error: 'transfer_failed' });
    const events = record.clientEvents.map((e) => e.event as Record<string, any>);
    const outputAt = events.findIndex((e) => e.type === 'conversation.item.create');
    expect(events[outputAt + 1]).toMatchObject({
      type: 'response.create',
      response: { instructions: expect.stringContaining('could not transfer') },
    });
  });

  it('reconnects a dropped control socket and keeps serving the call', async () => {
    stack = await startLocalStack({ env: { RECONNECT_MAX_ATTEMPTS: '3' } });
    const call = await stack.emulator.placeCall({
      steps: [
        { say: 'hello' },
        { drop: true },
        { wait: 600 },
        { say: 'a person please' },
        { call: { name: 'transfer_call', arguments: {} } },
      ],
    });
    const record = await call.ended;
    expect(record.connectionCount).toBe(2);
    expect(record.connections[0]?.closedBy).toBe('drop');
    expect(record.refers).toHaveLength(1);
    expect(record.functionCalls[0]?.outputs).toHaveLength(1);
    // The greeting is not repeated on the new socket.
    const greetings = record.clientEvents.filter((e) => JSON.stringify(e.event).includes('Greet the caller'));
    expect(greetings).toHaveLength(1);
  });
});

describe('webhook handling, end to end', () => {
  it('refuses a bad signature with 400 and accepts nothing', async () => {
    stack = await startLocalStack();
    const call = stack.emulator.createCall({ steps: [] });
    for (const tamper of ['body', 'signature', 'stale', 'future', 'missing-headers', 'wrong-secret'] as const) {
      const answer = await stack.emulator.deliverWebhook(call.id, { tamper });
      expect(answer.status, tamper).toBe(400);
    }
    expect(stack.emulator.call(call.id)?.accepts).toHaveLength(0);
    expect(stack.server.liveCalls.size).toBe(0);
  });

  it('a storm of 20 duplicate deliveries makes one accept and one session', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall({ steps: [{ wait: 300 }, { hangup: true }] }, { duplicates: 20 });
    // The same call again under other webhook-ids (OpenAI retried with a new delivery).
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stack!.emulator.deliverWebhook(call.id, { webhookId: `msg_other_${i}` })),
    );
    const record = await call.ended;
    expect(record.accepts).toHaveLength(1);
    expect(record.connectionCount).toBe(1);
    expect(record.webhooks.filter((w) => w.webhookId === call.webhookId).map((w) => w.status)).toEqual(Array(20).fill(200));
    expect(others.map((o) => o.status)).toEqual(Array(5).fill(200));
  });

  it('accept 404: the caller is gone, the webhook gets 200 and nothing starts', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall({ faults: { acceptStatuses: [404] }, steps: [] });
    await call.delivered;
    const record = stack.emulator.call(call.id)!;
    expect(record.webhooks.map((w) => w.status)).toEqual([200]);
    expect(record.accepts.map((a) => a.status)).toEqual([404]);
    expect(record.connectionCount).toBe(0);
    expect(stack.server.liveCalls.size).toBe(0);
  });

  it('accept 500 is retried within the deadline', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall({ faults: { acceptStatuses: [500, 503] }, steps: [{ hangup: true }] });
    const record = await call.ended;
    expect(record.accepts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(record.webhooks.map((w) => w.status)).toEqual([200]);
    expect(record.connectionCount).toBe(1);
  });

  it('answers 502 when the accept keeps failing past the deadline, so OpenAI retries', async () => {
    stack = await startLocalStack({ env: { ACCEPT_DEADLINE_MS: '300' } });
    const call = stack.emulator.createCall({ faults: { acceptStatuses: [500, 500, 500, 500, 500, 500] }, steps: [] });
    const answer = await stack.emulator.deliverWebhook(call.id);
    expect(answer.status).toBe(502);
    expect(stack.emulator.call(call.id)?.accepts.length).toBeGreaterThan(1);
    expect(stack.server.liveCalls.size).toBe(0);
  });

  it('leaves no per-call state behind', async () => {
    stack = await startLocalStack({ server: { dedupeTtlMs: 50 } });
    const calls = await Promise.all(
      Array.from({ length: 10 }, () => stack!.emulator.placeCall({ steps: [{ say: 'hi' }, { hangup: true }] })),
    );
    await Promise.all(calls.map((c) => c.ended));
    await new Promise((r) => setTimeout(r, 150));
    expect(stack.server.liveCalls.size).toBe(0);
    expect(stack.server.dedupe.size).toBe(0);
  });
});
