// Rows: a tool or REFER that finishes after the caller hung up; an accept retried after the server's 502.
// Before: a blank record was written over the real one; the retried call lost call.accepted and its final call.ended.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitFor } from './fault-stack.ts';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ callEvents: true, env: { ACCEPT_DEADLINE_MS: '300' } });
});
afterAll(() => stack?.close());

const ended = (s: FaultStack, callId: string) =>
  waitFor(async () => {
    const r = await s.record(callId);
    return r && r.outcome !== 'in_progress' ? r : undefined;
  }, `the record of ${callId}`);

describe('results that come late', () => {
  it('a REFER answered after the hangup is merged into the stored record, which keeps everything', async () => {
    const s = stack;
    // The caller hangs up while the REFER is in flight; OpenAI answers it 1.5 s later (404: the call is gone).
    const call = await s.emulator.placeCall({
      faults: { refer: { delayMs: 1500 } },
      toolTimeoutMs: 100,
      steps: [
        { say: 'Put me through to a person.' },
        { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } },
        { hangup: true },
      ],
    });
    await call.ended;
    await waitFor(() => (s.emulator.call(call.id)?.refers[0]?.answeredAt ? true : undefined), 'the late REFER answer');
    const record = await waitFor(async () => {
      const r = await s.record(call.id);
      return r?.tools?.[0]?.output ? r : undefined;
    }, 'the late tool result in the record');
    expect(record).toMatchObject({
      caller: '+19195551234',
      dialed: '+19195550000',
      acceptedAt: expect.any(String),
      outcome: 'completed',
      endReason: 'caller_hangup',
      transfer: { status: 'failed' },
      tools: [{ name: 'transfer_call', output: { ok: false, error: 'transfer_failed' } }],
    });
    expect(record.transcript.map((t: { text: string }) => t.text)).toContain('Put me through to a person.');
    const seqs = record.timeline.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(record.timeline.at(-1).type).toBe('tool.completed');
    // The list (read from the store) shows it finished, not live.
    const page = (await (await s.api('/api/calls?limit=5')).json()) as { calls: { callId: string; outcome: string }[] };
    expect(page.calls.find((c) => c.callId === call.id)?.outcome).toBe('completed');
    await s.receiver!.waitFor(() => s.callEvents(call.id).some((e) => e.verified?.type === 'call.ended'));
    expect(s.callEvents(call.id).filter((e) => e.verified?.type === 'call.ended')).toHaveLength(1);
  });

  it('an accept retried after the webhook got 502 continues the same record, and a final call.ended arrives', async () => {
    const s = stack;
    const call = await s.emulator.placeCall({
      faults: { acceptStatuses: [502, 502, 502] },
      idleHangupMs: 100,
      steps: [{ say: 'Hello?' }, { hangup: true }],
    });
    const emulated = await call.ended;
    expect(emulated.webhooks.map((w) => w.status)).toContain(502);
    const record = await ended(s, call.id);
    expect(record).toMatchObject({
      outcome: 'completed',
      endReason: 'caller_hangup',
      acceptedAt: expect.any(String),
      caller: '+19195551234',
    });
    const types = record.timeline.map((e: { type: string }) => e.type);
    expect(types.slice(0, 2)).toEqual(['call.failed', 'call.accepted']);
    expect(types.at(-1)).toBe('call.ended');

    await s.receiver!.waitFor(() =>
      s.callEvents(call.id).some((e) => e.verified?.type === 'call.ended' && e.verified.data.outcome === 'completed'),
    );
    const events = s.callEvents(call.id);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.at(-1)?.verified).toMatchObject({ type: 'call.ended', data: { outcome: 'completed' } });
    expect(events.map((e) => e.verified?.type)).toContain('call.started');
  });

  it('an HTTP tool answering after the hangup: its result joins the stored record', async () => {
    // The business's system takes 1.5 s; the caller is gone by then and the record was written.
    const api: Server = createServer((_req, res) =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"shipped"}'), 1_500),
    );
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'sb-faults-profile-'));
    const file = join(dir, 'switchboard.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'agents:',
        '  support:',
        '    tools:',
        '      - name: lookup_order',
        '        description: Look up an order.',
        `        url: http://127.0.0.1:${(api.address() as AddressInfo).port}/orders`,
        '        timeoutMs: 5000',
        'routing:',
        '  default: { agent: support }',
        '',
      ].join('\n'),
    );
    const s = await startFaultStack({ env: { SWITCHBOARD_CONFIG: file } });
    try {
      const call = await s.emulator.placeCall({
        toolTimeoutMs: 100,
        steps: [{ say: 'Where is my order?' }, { call: { name: 'lookup_order' } }, { hangup: true }],
      });
      await call.ended;
      const record = await waitFor(async () => {
        const r = await s.record(call.id);
        return r?.tools?.[0]?.output ? r : undefined;
      }, 'the late tool result in the record');
      expect(record).toMatchObject({
        caller: '+19195551234',
        acceptedAt: expect.any(String),
        outcome: 'completed',
        endReason: 'caller_hangup',
        tools: [{ name: 'lookup_order', output: { ok: true, status: 200, body: { status: 'shipped' } } }],
      });
      expect(record.timeline.at(-1).type).toBe('tool.completed');
      expect(record.transcript.map((t: { text: string }) => t.text)).toContain('Where is my order?');
    } finally {
      await s.close();
      api.closeAllConnections();
      api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 45_000);
});
