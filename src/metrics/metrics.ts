import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CallEvent } from '../calls/call-events.ts';
import { endOutcome } from '../calls/call-outcome.ts';
import { eventTypeLabel } from '../session/server-event-check.ts';

/** The outbox's counts, as the store reports them (metrics need no more of the outbox). */
type OutboxBacklog = { pending: number; dead: number };

export interface MetricsOptions {
  activeCalls: () => number;
  /** The outbox backlog, read at scrape time; absent when there is no store. */
  outboxStats?: () => Promise<OutboxBacklog>;
  /** Call events in memory not yet written; absent when there is no store. */
  bufferedRecordEvents?: () => number;
  /** How long the oldest unwritten call event has waited, ms. */
  recordsLagMs?: () => number;
  /** Process metrics, including nodejs_eventloop_lag_seconds (default true). */
  processMetrics?: boolean;
}

const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics, fed by CallEvents. Labels are bounded (outcomes, tool
 * names the agent declared, results): never a call id or a phone number.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'outcome'>;
  private readonly answer: Histogram;
  private readonly acceptFailures: Counter;
  private readonly transfers: Histogram<'result'>;
  private readonly tools: Histogram<'tool' | 'result'>;
  private readonly reconnects: Counter;
  private readonly invalidEvents: Counter<'type'>;
  private readonly deliveries: Counter<'type' | 'result'>;
  private readonly storeWrites: Histogram;
  private readonly storeFailures: Counter;
  private readonly webhookRefusals: Counter<'reason'>;
  private readonly recordEventsDroppedTotal: Counter;
  private readonly costs: Counter<'part'>;
  private readonly analyses: Counter<'result'>;
  private readonly live = new Map<string, { transferred: boolean; connected: boolean }>();

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    this.calls = new Counter({ name: 'switchboard_calls_total', help: 'Calls by outcome.', labelNames: ['outcome'], registers });
    /** A gauge read when scraped. */
    const sampled = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    sampled('switchboard_active_calls', 'Calls this instance controls right now.', opts.activeCalls);
    this.answer = new Histogram({
      name: 'switchboard_webhook_to_accept_seconds',
      help: 'From the incoming-call webhook arriving to the accept succeeding.',
      buckets: secondsBuckets,
      registers,
    });
    this.acceptFailures = new Counter({
      name: 'switchboard_accept_failures_total',
      help: 'Calls whose accept failed after its retries.',
      registers,
    });
    this.transfers = new Histogram({
      name: 'switchboard_transfer_seconds',
      help: 'REFER request latency, by result (referred, failed).',
      labelNames: ['result'],
      buckets: secondsBuckets,
      registers,
    });
    this.tools = new Histogram({
      name: 'switchboard_tool_seconds',
      help: 'Tool call latency, by tool and result.',
      labelNames: ['tool', 'result'],
      buckets: secondsBuckets,
      registers,
    });
    this.reconnects = new Counter({ name: 'switchboard_control_reconnects_total', help: 'Control-socket reconnect attempts.', registers });
    this.invalidEvents = new Counter({
      name: 'switchboard_server_events_invalid_total',
      help: 'Events from OpenAI dropped at the boundary (missing or mistyped fields, not JSON), by event type.',
      labelNames: ['type'],
      registers,
    });
    if (opts.outboxStats) {
      const read = opts.outboxStats;
      // One read per scrape, shared by both gauges; the last good value when the store is down.
      let last: OutboxBacklog = { pending: 0, dead: 0 };
      let reading: Promise<OutboxBacklog> | null = null;
      const stats = () =>
        (reading ??= read()
          .then(
            (s) => (last = s),
            () => last,
          )
          .finally(() => setImmediate(() => (reading = null))));
      sampled('switchboard_call_events_backlog', 'Call-event webhooks waiting for delivery (outbox).', async () => (await stats()).pending);
      sampled('switchboard_call_events_dead', 'Call-event webhooks given up on after the last attempt.', async () => (await stats()).dead);
    }
    this.deliveries = new Counter({
      name: 'switchboard_call_events_attempts_total',
      help: 'Call-event webhook attempts, by type and result.',
      labelNames: ['type', 'result'],
      registers,
    });
    this.storeWrites = new Histogram({
      name: 'switchboard_store_write_seconds',
      help: 'Time to write one batch of call records.',
      buckets: secondsBuckets,
      registers,
    });
    this.storeFailures = new Counter({
      name: 'switchboard_store_write_failures_total',
      help: 'Batches of call records that failed to write (kept and retried).',
      registers,
    });
    const { recordsLagMs, bufferedRecordEvents } = opts;
    if (recordsLagMs) {
      sampled(
        'switchboard_records_lag_seconds',
        'How long the oldest call event in memory has waited to be written (about one batch while the store keeps up).',
        () => recordsLagMs() / 1000,
      );
    }
    if (bufferedRecordEvents) {
      sampled(
        'switchboard_records_buffered_events',
        'Call events in memory not yet written to the store (capped by RECORDS_MAX_BUFFERED_EVENTS).',
        bufferedRecordEvents,
      );
    }
    this.recordEventsDroppedTotal = new Counter({
      name: 'switchboard_records_dropped_events_total',
      help: 'Call events dropped unwritten because the memory buffer was full (the store failing or stalled).',
      registers,
    });
    this.webhookRefusals = new Counter({
      name: 'switchboard_webhook_refusals_total',
      help: 'Webhook deliveries refused, by reason (headers, stale, signatures, too_large, signature, body, malformed_body, body_too_large).',
      labelNames: ['reason'],
      registers,
    });
    this.costs = new Counter({
      name: 'switchboard_call_cost_dollars_total',
      help: 'What calls cost in US dollars, from the price table, by part (realtime, transcription, live, analysis).',
      labelNames: ['part'],
      registers,
    });
    this.analyses = new Counter({
      name: 'switchboard_call_analyses_total',
      help: 'Post-call analysis attempts, by result (done, retry, failed).',
      labelNames: ['result'],
      registers,
    });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** The CallEvent listener. */
  readonly observe = (event: CallEvent): void => {
    switch (event.type) {
      case 'call.accepted':
        this.live.set(event.callId, { transferred: false, connected: false });
        this.answer.observe(event.answerMs / 1000);
        break;
      case 'call.rejected':
        this.calls.inc({ outcome: 'rejected' });
        break;
      case 'call.missed':
        this.calls.inc({ outcome: 'missed' });
        break;
      case 'call.failed':
        this.acceptFailures.inc();
        this.calls.inc({ outcome: 'failed' });
        break;
      case 'control.connected': {
        const call = this.live.get(event.callId);
        if (call) call.connected = true;
        break;
      }
      case 'control.reconnecting':
        this.reconnects.inc();
        break;
      case 'server_event.invalid':
        this.invalidEvents.inc({ type: eventTypeLabel(event.eventType) });
        break;
      case 'transfer.completed': {
        this.transfers.observe({ result: event.ok ? 'referred' : 'failed' }, event.durationMs / 1000);
        const call = this.live.get(event.callId);
        if (call && event.ok) call.transferred = true;
        break;
      }
      case 'tool.completed': {
        // A name the model made up is not a label value: it would grow without bound.
        const tool = event.error === 'unknown_tool' ? 'unknown' : event.name;
        this.tools.observe({ tool, result: event.error ? 'error' : 'ok' }, event.durationMs / 1000);
        break;
      }
      case 'call.ended': {
        const call = this.live.get(event.callId) ?? { transferred: false, connected: true };
        this.live.delete(event.callId);
        this.calls.inc({ outcome: endOutcome(event.reason, call) });
        break;
      }
      default:
        break;
    }
  };

  storeWritten(durationMs: number): void {
    this.storeWrites.observe(durationMs / 1000);
  }

  storeWriteFailed(): void {
    this.storeFailures.inc();
  }

  recordEventsDropped(events: number): void {
    this.recordEventsDroppedTotal.inc(events);
  }

  webhookRefused(reason: string): void {
    this.webhookRefusals.inc({ reason });
  }

  deliveryAttempt(type: string, result: string): void {
    this.deliveries.inc({ type, result });
  }

  /** A call's record closed with this cost (the analysis is counted when it is done). */
  callCost(cost: { realtimeUsd: number; transcriptionUsd: number; liveUsd: number }): void {
    if (cost.realtimeUsd > 0) this.costs.inc({ part: 'realtime' }, cost.realtimeUsd);
    if (cost.transcriptionUsd > 0) this.costs.inc({ part: 'transcription' }, cost.transcriptionUsd);
    if (cost.liveUsd > 0) this.costs.inc({ part: 'live' }, cost.liveUsd);
  }

  analysisResult(result: string, costUsd: number): void {
    this.analyses.inc({ result });
    if (costUsd > 0) this.costs.inc({ part: 'analysis' }, costUsd);
  }
}
