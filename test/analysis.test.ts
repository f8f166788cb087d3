// Post-call analysis end to end: real server, the emulator's /v1/responses, a real
// receiver verifying call.analyzed with the standardwebhooks library.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtInPrices } from '../src/cost/price-table.ts';
import type { CallDetail } from '../src/records/call-record.ts';
import { type ReceivedEvent, startTestReceiver, type TestReceiver } from '../src/testing/test-receiver.ts';
import { type RecordsStack, startRecordsStack, waitFor } from './support/records-stack.ts';

const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

let stack: RecordsStack | undefined;
let receiver: TestReceiver | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// The agent's analysis, as an operator writes it in the profile file.
const profileFile = `
business: { name: Acme Plumbing }
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  default:
    analysis:
      summary: true
      successCriteria: The caller's question was answered without a transfer.
      fields:
        type: object
        properties:
          orderNumber: { type: [string, "null"], pattern: "^[A-Z]-\\\\d+$", description: "Order number, like A-1234" }
          resolved: { type: boolean }
          callbackRequested: { type: boolean }
          reason: { type: string, enum: [delivery, billing, other] }
        required: [orderNumber, resolved, callbackRequested, reason]
        additionalProperties: false
routing:
  default: { agent: default }
`;

function writeProfileFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-analysis-'));
  dirs.push(dir);
  const path = join(dir, 'switchboard.yaml');
  writeFileSync(path, profileFile);
  return path;
}

const scenario = {
  steps: [
    { say: 'Hi, my delivery for order A-1234 has not arrived.' },
    { reply: 'It is on the truck today.' },
    { say: 'Great, that resolved it. Thank you!' },
    { hangup: true as const },
  ],
};

const delivered = (received: ReceivedEvent[]) => received.filter((r) => r.status >= 200 && r.status < 300);

async function analysed(s: RecordsStack, callId: string, status: 'done' | 'failed'): Promise<CallDetail> {
  return waitFor(async () => {
    const res = await s.api(`/api/calls/${callId}`);
    const call = res.ok ? ((await res.json()) as CallDetail) : null;
    return call?.analysis?.status === status ? call : undefined;
  }, `analysis ${status}`);
}

describe('post-call analysis', () => {
  it('summarises the call, extracts the fields into the record and sends call.analyzed, signed', async () => {
    receiver = await startTestReceiver(secret);
    stack = await startRecordsStack({
      env: { CALL_EVENTS_URL: receiver.url, CALL_EVENTS_SECRET: secret },
      server: {
        profileFile: { path: writeProfileFile(), env: {}, watch: false },
        callEventsDelivery: { pollMs: 20 },
        analysisWorker: { pollMs: 20 },
      },
    });
    const call = await stack.emulator.placeCall(scenario);
    await call.ended;
    const record = await analysed(stack, call.id, 'done');

    expect(record.analysis).toMatchObject({
      status: 'done',
      model: 'gpt-6-luna',
      attempts: 1,
      success: true,
      fields: { orderNumber: 'A-1234', resolved: true, callbackRequested: false, reason: 'delivery' },
      error: null,
    });
    expect(record.analysis!.summary).toContain('my delivery for order A-1234 has not arrived');
    expect(record.analysis!.tokens!.inputTokens).toBeGreaterThan(0);
    // The cost: realtime + transcription at the call's end, the analysis added when it was done.
    const cost = record.cost!;
    expect(cost.realtimeUsd).toBeGreaterThan(0);
    expect(cost.transcriptionUsd).toBeGreaterThan(0);
    expect(cost.analysisUsd).toBe(record.analysis!.costUsd);
    expect(cost.analysisUsd).toBeGreaterThan(0);
    expect(cost.totalUsd).toBeCloseTo(cost.realtimeUsd + cost.transcriptionUsd + cost.analysisUsd, 6);
    expect(cost.pricesCheckedOn).toBe(builtInPrices.checkedOn);

    // What OpenAI was asked: one strict structured-output request naming the call.
    const requests = stack.emulator.call(call.id)!.analyses;
    expect(requests.map((r) => r.status)).toEqual([200]);
    expect(requests[0]!.body).toMatchObject({
      model: 'gpt-6-luna',
      store: false,
      metadata: { switchboard_call_id: call.id, switchboard_profile: 'default' },
      text: {
        format: { type: 'json_schema', name: 'call_analysis', strict: true, schema: { required: ['summary', 'success', 'fields'] } },
      },
    });
    expect((requests[0]!.body as { input: string }).input).toContain('Caller: Great, that resolved it. Thank you!');
    expect((requests[0]!.body as { instructions: string }).instructions).toContain(
      "The caller's question was answered without a transfer.",
    );

    // The webhook: after call.ended, verified, with the same fields.
    const got = await receiver.waitFor((r) => delivered(r).some((e) => e.verified?.type === 'call.analyzed'));
    expect(delivered(got).map((r) => r.verified?.type)).toEqual(['call.started', 'call.ended', 'call.analyzed']);
    const event = delivered(got).find((r) => r.verified?.type === 'call.analyzed')!;
    expect(event.verified!.data).toMatchObject({
      callId: call.id,
      profile: 'default',
      outcome: 'completed',
      success: true,
      fields: { orderNumber: 'A-1234', resolved: true, callbackRequested: false, reason: 'delivery' },
      model: 'gpt-6-luna',
      costUsd: cost.totalUsd,
    });
    expect(event.headers['webhook-signature']).toMatch(/^v1,/);

    // Filters on what was extracted, and the metric.
    const ids = async (query: string) =>
      ((await (await stack!.api(`/api/calls?${query}`)).json()) as { calls: { callId: string }[] }).calls.map((c) => c.callId);
    expect(await ids('field.resolved=true')).toEqual([call.id]);
    expect(await ids('field.resolved=false')).toEqual([]);
    expect(await ids('success=true&field.orderNumber=A-1234')).toEqual([call.id]);
    expect(await ids('analysis=failed')).toEqual([]);
    const metrics = await (await fetch(`${stack.serverUrl}/metrics`)).text();
    expect(metrics).toContain('switchboard_call_analyses_total{result="done"} 1');
    expect(metrics).toMatch(/switchboard_call_cost_dollars_total\{part="analysis"\} [0-9.e-]+/);
    expect(metrics).toMatch(/switchboard_call_cost_dollars_total\{part="realtime"\} 0\.\d+/);
  });

  it('retries a failing analysis with backoff and records each failure; gives up after the last attempt', async () => {
    receiver = await startTestReceiver(secret);
    stack = await startRecordsStack({
      env: { CALL_EVENTS_URL: receiver.url, CALL_EVENTS_SECRET: secret, ANALYSIS_MAX_ATTEMPTS: '3' },
      server: {
        profileFile: { path: writeProfileFile(), env: {}, watch: false },
        callEventsDelivery: { pollMs: 20 },
        analysisWorker: { pollMs: 20, retryBaseMs: 40, retryMaxMs: 100, random: () => 0.5 },
      },
    });

    // Two failures, then an answer: done on the third attempt, the last failure kept.
    const flaky = await stack.emulator.placeCall({ ...scenario, faults: { responsesStatuses: [500, 429] } });
    await flaky.ended;
    const recovered = await analysed(stack, flaky.id, 'done');
    expect(recovered.analysis).toMatchObject({ status: 'done', attempts: 3, fields: { orderNumber: 'A-1234' } });
    expect(recovered.analysis!.error).toMatch(/^429 /);
    expect(stack.emulator.call(flaky.id)!.analyses.map((r) => r.status)).toEqual([500, 429, 200]);
    const [a1, a2, a3] = stack.emulator.call(flaky.id)!.analyses.map((r) => r.receivedAt);
    // Backoff (no jitter here): the next attempt is due 40 ms, then 80 ms, after a failure, never sooner (lower bounds only).
    expect(a2! - a1!).toBeGreaterThanOrEqual(35);
    expect(a3! - a2!).toBeGreaterThanOrEqual(75);

    // Always failing: failed after ANALYSIS_MAX_ATTEMPTS, recorded with its error, no call.analyzed.
    const broken = await stack.emulator.placeCall({ ...scenario, faults: { responsesStatuses: [503, 503, 503, 503] } });
    await broken.ended;
    const failed = await analysed(stack, broken.id, 'failed');
    expect(failed.analysis).toMatchObject({ status: 'failed', attempts: 3, summary: null, fields: null, nextAttemptAt: null });
    expect(failed.analysis!.error).toMatch(/^503 /);
    expect(failed.cost!.analysisUsd).toBe(0);
    expect(stack.emulator.call(broken.id)!.analyses.map((r) => r.status)).toEqual([503, 503, 503]);
    const list = (await (await stack.api('/api/calls?analysis=failed')).json()) as { calls: { callId: string }[] };
    expect(list.calls.map((c) => c.callId)).toEqual([broken.id]);

    await receiver.waitFor((r) => delivered(r).filter((e) => e.verified?.type === 'call.ended').length === 2);
    const analyzedFor = delivered(receiver.received)
      .filter((r) => r.verified?.type === 'call.analyzed')
      .map((r) => r.verified!.data.callId);
    expect(analyzedFor).toEqual([flaky.id]);
    const metrics = await (await fetch(`${stack.serverUrl}/metrics`)).text();
    expect(metrics).toContain('switchboard_call_analyses_total{result="retry"} 4');
    expect(metrics).toContain('switchboard_call_analyses_total{result="failed"} 1');
  });

  it('ANALYSIS_SUMMARY=true summarises calls without a profile file', async () => {
    stack = await startRecordsStack({ env: { ANALYSIS_SUMMARY: 'true' }, server: { analysisWorker: { pollMs: 20 } } });
    const call = await stack.emulator.placeCall(scenario);
    await call.ended;
    const record = await analysed(stack, call.id, 'done');
    expect(record.analysis).toMatchObject({ model: 'gpt-6-luna', success: null, fields: null });
    expect(record.analysis!.summary).toMatch(/^The caller said: "Hi, my delivery/);
    expect(stack.emulator.call(call.id)!.analyses[0]!.body).toMatchObject({
      text: { format: { schema: { properties: { summary: { type: 'string' } }, required: ['summary'] } } },
    });
  });
});
