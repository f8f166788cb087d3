import { describe, expect, it } from 'vitest';
import { accepted, fixtureSipHeaders, transferCall } from '../../test/support/call-event-fixtures.ts';
import type { CallEvent } from '../calls/call-events.ts';
import { Metrics } from './metrics.ts';

const parties = (accepted('x') as Extract<CallEvent, { type: 'call.accepted' }>).parties;

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('Metrics', () => {
  it('counts calls by outcome and records latencies', async () => {
    const metrics = new Metrics({ activeCalls: () => 2, outboxStats: async () => ({ pending: 7, dead: 1 }), processMetrics: false });
    const events: CallEvent[] = [
      ...transferCall('rtc_1'),
      accepted('rtc_2', 80),
      { type: 'control.connected', callId: 'rtc_2', attempt: 0 },
      { type: 'control.reconnecting', callId: 'rtc_2', attempt: 1, delayMs: 250, code: 1006 },
      {
        type: 'tool.completed',
        callId: 'rtc_2',
        toolCallId: 't',
        name: 'made_up_by_model',
        output: {},
        durationMs: 1,
        error: 'unknown_tool',
      },
      { type: 'call.ended', callId: 'rtc_2', reason: 'caller_hangup', endedAt: 0 },
      { type: 'call.rejected', callId: 'rtc_3', parties, sipHeaders: fixtureSipHeaders, statusCode: 486, reason: 'busy' },
      { type: 'call.failed', callId: 'rtc_4', parties, sipHeaders: fixtureSipHeaders, message: 'HTTP 500' },
      { type: 'call.missed', callId: 'rtc_5', parties, sipHeaders: fixtureSipHeaders },
    ];
    events.forEach(metrics.observe);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'switchboard_calls_total{outcome="transferred"}')).toBe(1);
    expect(sample(text, 'switchboard_calls_total{outcome="completed"}')).toBe(1);
    expect(sample(text, 'switchboard_calls_total{outcome="rejected"}')).toBe(1);
    expect(sample(text, 'switchboard_calls_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'switchboard_calls_total{outcome="missed"}')).toBe(1);
    expect(sample(text, 'switchboard_accept_failures_total')).toBe(1);
    expect(sample(text, 'switchboard_active_calls')).toBe(2);
    expect(sample(text, 'switchboard_webhook_to_accept_seconds_count')).toBe(2);
    expect(sample(text, 'switchboard_webhook_to_accept_seconds_sum')).toBeCloseTo(0.2);
    expect(sample(text, 'switchboard_webhook_to_accept_seconds_bucket{le="0.1"}')).toBe(1);
    expect(sample(text, 'switchboard_transfer_seconds_count{result="referred"}')).toBe(1);
    expect(sample(text, 'switchboard_tool_seconds_count{tool="transfer_call",result="ok"}')).toBe(1);
    expect(sample(text, 'switchboard_tool_seconds_count{tool="unknown",result="error"}')).toBe(1);
    expect(text).not.toContain('made_up_by_model');
    expect(sample(text, 'switchboard_control_reconnects_total')).toBe(1);
    expect(sample(text, 'switchboard_call_events_backlog')).toBe(7);
    expect(sample(text, 'switchboard_call_events_dead')).toBe(1);
  });

  it('reports event-loop lag with the process metrics', async () => {
    const metrics = new Metrics({ activeCalls: () => 0 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).not.toContain('switchboard_call_events_backlog');
  });
});
