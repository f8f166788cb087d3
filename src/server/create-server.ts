import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type OpenAI from 'openai';
import { buildAcceptParams } from '../pickup/session-config.ts';
import { createAnswerCall } from '../pickup/answer-call.ts';
import { acceptEveryCall, type AgentPlan, type PlanCall } from '../routing/call-plan.ts';
import { registerApi } from '../api/register-api.ts';
import type { CallEvent, CallEventListener } from '../calls/call-events.ts';
import { registerDashboard } from '../dashboard/dashboard-routes.ts';
import { LiveCalls } from '../calls/live-calls.ts';
import type { Config, Env } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { Metrics } from '../metrics/metrics.ts';
import { realtimeCallControl, type CallControl } from '../openai/call-control.ts';
import type { OutboxWorkerOptions } from '../outbox/outbox-worker.ts';
import { RecordsService } from '../records/records-service.ts';
import type { Store } from '../records/store.ts';
import type { CallSession } from '../session/call-session.ts';
import type { ControlTransport } from '../session/control-transport.ts';
import { openaiWsTransport } from '../session/openai-ws-transport.ts';
import { endCallTool } from '../tools/end-call.ts';
import type { Tool } from '../tools/tool.ts';
import { transferCallTool } from '../tools/transfer-call.ts';
import { DeliveryDedupe } from '../inbound/delivery-dedupe.ts';
import { DeliveryLog } from '../inbound/delivery-log.ts';
import { previousSecretInForce } from '../inbound/webhook-secrets.ts';
import { registerWebhookRoute } from '../inbound/webhook-route.ts';
import { serverChecks, serverSecretFingerprints } from '../setup/server-checks.ts';
import { registerSetupRoutes } from '../setup/setup-routes.ts';
import { createBenchStats, registerBenchStats } from './bench-stats.ts';

export interface ServerDeps {
  config: Config;
  log: Logger;
  client: OpenAI;
  control?: CallControl;
  transport?: ControlTransport;
  onEvent?: CallEventListener;
  /** Routing and screening; by default every call gets the environment's agent. */
  planCall?: PlanCall;
  dedupeTtlMs?: number;
  /** Call records, the operator API and call-event webhooks need a store; without one they are off. */
  store?: Store;
  /** Overrides for the call-event delivery worker (tests). */
  callEventsDelivery?: Partial<OutboxWorkerOptions>;
  /** The environment the config came from, for the set-up checks (default process.env). */
  env?: Env;
}

export interface SwitchboardServer {
  app: FastifyInstance;
  liveCalls: LiveCalls<CallSession>;
  dedupe: DeliveryDedupe;
  metrics: Metrics;
  /** null without a store. */
  records: RecordsService | null;
  /** Stops taking calls: /ready and webhooks answer 503 from now on. */
  beginDrain(): void;
  /** Stops taking calls, lets live ones finish (up to the drain timeout), then closes. */
  shutdown(): Promise<void>;
  isDraining(): boolean;
}

export function defaultTools(config: Config): Tool[] {
  return [
    transferCallTool({ referTo: config.referTo, fallbackHost: config.referSipHost, logPii: config.logPii }),
    endCallTool({ goodbyeMaxMs: config.goodbyeMaxMs }),
  ];
}

/** The single agent described by the environment. */
export function envAgent(config: Config): AgentPlan {
  const tools = new Map(defaultTools(config).map((t) => [t.definition.name, t]));
  return {
    profile: 'default',
    greeting: config.greeting,
    tools,
    acceptParams: buildAcceptParams({
      model: config.model,
      instructions: config.instructions,
      voice: config.voice,
      transcriptionModel: config.transcriptionModel,
      tools: [...tools.values()].map((t) => t.definition),
    }),
  };
}

export function createServer(deps: ServerDeps): SwitchboardServer {
  const { config, log } = deps;
  const control = deps.control ?? realtimeCallControl(deps.client);
  const transport = deps.transport ?? openaiWsTransport(deps.client);
  const liveCalls = new LiveCalls<CallSession>();
  const dedupe = new DeliveryDedupe({ ttlMs: deps.dedupeTtlMs ?? 10 * 60_000 });
  let draining = false;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }), // our routes log what matters
    // After the drain, close every connection: a pre-opened socket or an SSE stream must not hold the exit.
    forceCloseConnections: true,
    bodyLimit: config.webhookMaxBodyBytes });
  app.get('/health', async (_req, reply) => reply.code(204).send());
  app.get('/ready', async (_req, reply) =>
    draining ? reply.code(503).send({ status: 'draining', liveCalls: liveCalls.size }) : reply.code(200).send({ status: 'ready', liveCalls: liveCalls.size }),
  );

  // Always served: without the API it says why instead of failing silently.
  registerDashboard(app);

  const store = deps.store;
  const metrics = new Metrics({ activeCalls: () => liveCalls.size, ...(store ? { outboxStats: () => store.outboxStats() } : {}) });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));

  const records = store
    ? new RecordsService({
        store,
        log,
        batchMs: config.storeBatchMs,
        retentionDays: config.retentionDays,
        callEvents:
          config.callEventsUrl && config.callEventsSecret
            ? { url: config.callEventsUrl, secret: config.callEventsSecret, maxAttempts: config.callEventsMaxAttempts, timeoutMs: config.callEventsTimeoutMs }
            : null,
        metrics,
        ...(deps.callEventsDelivery ? { outbox: deps.callEventsDelivery } : {}),
      })
    : null;
  if (store && records) {
    registerApi(app, { token: config.apiToken, records, liveCalls, referFallbackHost: config.referSipHost, log });
    if (!config.apiToken) log.warn('operator API is off: API_TOKEN is not set');
    if (!config.callEventsUrl) log.info('call-event webhooks are off: CALL_EVENTS_URL is not set');
    records.start();
  } else {
    log.warn('no records store: call records, the operator API and call-event webhooks are off');
  }

  // Every listener runs synchronously and only touches memory: nothing here can slow the call.
  const listeners = [metrics.observe, ...(records ? [records.recorder.record] : []), ...(deps.onEvent ? [deps.onEvent] : [])];
  const onEvent = (event: CallEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        log.error({ callId: event.callId, eventType: event.type, err }, 'call event listener failed');
      }
    }
  };

  if (config.benchStats) registerBenchStats(app, createBenchStats({ liveCalls: () => liveCalls.size }));

  const answerCall = createAnswerCall({
    control,
    transport,
    liveCalls,
    log,
    planCall: deps.planCall ?? acceptEveryCall(envAgent(config)),
    acceptDeadlineMs: config.acceptDeadlineMs,
    reconnectMaxAttempts: config.reconnectMaxAttempts,
    logPii: config.logPii,
    onEvent,
  });
  const deliveries = new DeliveryLog();
  registerWebhookRoute(app, {
    client: deps.client,
    webhookSecret: config.webhookSecret,
    previousWebhookSecret: () => previousSecretInForce(config, Date.now()),
    onDelivery: deliveries.record,
    dedupe,
    answerCall,
    isDraining: () => draining,
    isLive: (callId) => liveCalls.has(callId),
    bodyLimitBytes: config.webhookMaxBodyBytes,
    log,
  });
  if (config.apiToken) {
    registerSetupRoutes(app, {
      token: config.apiToken,
      deliveries,
      secrets: serverSecretFingerprints(config),
      runChecks: serverChecks({ config, env: deps.env ?? process.env, cwd: process.cwd(), client: deps.client, store: store ?? null, deliveries }),
    });
  }

  return {
    app,
    liveCalls,
    dedupe,
    metrics,
    records,
    isDraining: () => draining,
    beginDrain() {
      draining = true;
    },
    async shutdown() {
      draining = true;
      const live = liveCalls.size;
      log.info({ liveCalls: live, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
      const cut = await liveCalls.drain(config.drainTimeoutMs);
      if (cut > 0) log.warn({ cut }, 'drain timeout: hung up the remaining calls');
      await app.close();
      await records?.close();
      dedupe.clear();
      log.info('stopped');
    },
  };
}
