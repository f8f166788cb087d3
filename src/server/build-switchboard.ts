// The composition root: everything a running Switchboard is made of, wired once. main.ts,
// the testing stack, the demos and the bench all build it here, so what the tests run is
// what production runs. Configuration comes in; nothing here reads the environment.

import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AnalysisFor } from '../analysis/analysis-spec.ts';
import type { AnalysisWorkerOptions } from '../analysis/analysis-worker.ts';
import { postCallFinisher } from '../analysis/post-call.ts';
import { type ApiCluster, runHere } from '../api/live-commands.ts';
import { registerApi } from '../api/register-api.ts';
import type { CallEvent, CallEventListener } from '../calls/call-events.ts';
import { LiveCalls } from '../calls/live-calls.ts';
import { type ReconcileResult, reconcileCalls, takeBackCall } from '../calls/reconcile-calls.ts';
import { Cluster } from '../cluster/cluster.ts';
import { registerClusterMetrics } from '../cluster/cluster-metrics.ts';
import type { Coordination } from '../cluster/coordination.ts';
import { openCoordinationFor } from '../cluster/open-coordination.ts';
import type { Config, Env } from '../config/config.ts';
import { registerDashboard } from '../dashboard/dashboard-routes.ts';
import { DeliveryDedupe } from '../inbound/delivery-dedupe.ts';
import { DeliveryLog } from '../inbound/delivery-log.ts';
import { registerWebhookRoute } from '../inbound/webhook-route.ts';
import { previousSecretInForce } from '../inbound/webhook-secrets.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { Metrics } from '../metrics/metrics.ts';
import { type CallControl, type LiveCallControl, liveCallControl, realtimeCallControl } from '../openai/call-control.ts';
import { warnAboutModels } from '../openai/model-lifecycle.ts';
import { createOpenAIConnection, type OpenAIConnection } from '../openai/openai-client.ts';
import type { OutboxWorkerOptions } from '../outbox/outbox-worker.ts';
import { controlFor, createAnswerCall, newCallSession, type SessionDeps } from '../pickup/answer-call.ts';
import { AnswerFirst } from '../pickup/answer-first.ts';
import { type Agents, startAgents } from '../profiles/start-agents.ts';
import { RecordingDownloader, type RecordingDownloaderOptions } from '../recordings/recording-downloader.ts';
import { RecordingFiles } from '../recordings/recording-files.ts';
import type { CallDetail } from '../records/call-record.ts';
import { openConfiguredStore } from '../records/open-store.ts';
import { RecordsService } from '../records/records-service.ts';
import type { Store } from '../records/store.ts';
import { agentSurface } from '../routing/call-plan.ts';
import type { CallSession } from '../session/call-session.ts';
import type { ControlTransport } from '../session/control-transport.ts';
import { liveSidebandTransport } from '../session/live-sideband-transport.ts';
import { openaiWsTransport } from '../session/openai-ws-transport.ts';
import { serverChecks, serverSecretFingerprints } from '../setup/server-checks.ts';
import { registerSetupRoutes } from '../setup/setup-routes.ts';
import { parseCallParties } from '../sip/index.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import { createBenchStats, registerBenchStats } from './bench-stats.ts';
import { logServerErrors } from './server-errors.ts';
import { within } from './within.ts';

/** Shutdown, after the drain: the cut calls' hangups, the last write of records, closing the store and OpenAI's connections. */
export const shutdownBudget = { hangupMs: 3_000, finalWriteMs: 4_000, closeMs: 1_000 } as const;

/** How long taking back a call left in progress waits for its control socket. */
const reattachTimeoutMs = 5_000;

/** What a caller may supply instead of what the configuration would build. */
export interface SwitchboardOverrides {
  log?: Logger;
  /** By default a connection from the configuration, closed with the switchboard. */
  openai?: OpenAIConnection;
  /** The REST side of calls (default: OpenAI's, through `openai`). */
  control?: CallControl;
  /** The control WebSocket (default: OpenAI's, through `openai`). */
  transport?: ControlTransport;
  /** GPT-Live's session control and sideband (default: OpenAI's, through `openai`). */
  liveControl?: LiveCallControl;
  liveTransport?: ControlTransport;
  /**
   * Call records, the operator API and call-event webhooks need a store. By default the
   * configuration's (DATABASE_URL, else SQLite under DATA_DIR), closed with the switchboard;
   * a given store stays open for its owner; null: records are off.
   */
  store?: Store | null;
  /** The profile file and the environment its ${VAR}s come from; null or absent: the environment's agent. */
  profileFile?: { path: string; env: Env; watch?: boolean } | null;
  /** The environment the settings came from and the working directory, for the set-up checks (default: none, and the process's). */
  env?: Env;
  cwd?: string;
  /** One more listener for every call event (runs synchronously, like the others). */
  onEvent?: CallEventListener;
  dedupeTtlMs?: number;
  /** Overrides for the call-event delivery worker (tests). */
  callEventsDelivery?: Partial<OutboxWorkerOptions>;
  /** Overrides for the post-call analysis worker (tests: polling, backoff). */
  analysisWorker?: Partial<AnalysisWorkerOptions>;
  /** Overrides for the recording downloads (tests: attempts, backoff). */
  recordingDownloads?: Partial<RecordingDownloaderOptions>;
  /** For HTTP tools. */
  fetch?: typeof fetch;
  /** The one clock (monotonic time, wall time, timers) every part below runs on; tests pass a ManualClock or a fixed wall time. */
  clock?: Clock;
  /** The wall time routing sees (opening hours, template dates); default: the clock's. The demo pins it to a weekday; signatures and records keep the clock's. */
  routingTime?: () => number;
  /** The coordination between instances (default: beside the store, PostgreSQL or SQLite); null: none (one process, no claims). */
  coordination?: Coordination | null;
}

export interface Switchboard {
  readonly config: Config;
  readonly log: Logger;
  readonly app: FastifyInstance;
  readonly openai: OpenAIConnection;
  readonly agents: Agents;
  readonly liveCalls: LiveCalls<CallSession>;
  readonly dedupe: DeliveryDedupe;
  readonly metrics: Metrics;
  /** null without a store. */
  readonly records: RecordsService | null;
  /** Claims, leases, takeovers and the relay between instances; null without a store. */
  readonly cluster: Cluster | null;
  /** GPT-Live recordings: DATA_DIR/recordings, downloaded after each stored call. */
  readonly recordings: { files: RecordingFiles; downloader: RecordingDownloader };
  /** Checks the API key, warms the connection (and keeps it warm), and listens on HOST:LOCAL_PORT. */
  start(): Promise<AddressInfo>;
  /**
   * Takes a call in progress back from the store: controlled again if alive (no second
   * greeting), else closed as instance_lost. `live`: this process controls it already;
   * `unknown`: no such call in progress. Start runs it for the calls a crash left behind;
   * whoever else calls it must know the call is this instance's to take (its owner is gone).
   */
  reattach(callId: string): Promise<'reattached' | 'lost' | 'live' | 'unknown'>;
  /** Stops taking calls: /ready and webhooks answer 503 from now on. */
  beginDrain(): void;
  isDraining(): boolean;
  /**
   * Stops taking calls; hands live ones to the other instances when any is alive, else lets them
   * finish (up to the drain timeout); then closes everything it opened. Once.
   */
  shutdown(): Promise<void>;
}

const keepWarmMs = 30_000;

/**
 * Throws SB_CONFIG_INVALID when the profile file (or the environment's agent) fails the
 * check; logs and rethrows when the records store cannot be opened.
 */
export async function buildSwitchboard(config: Config, overrides: SwitchboardOverrides = {}): Promise<Switchboard> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const routingTime = overrides.routingTime ?? (() => clock.epochMs());
  const agents = startAgents(config, {
    log,
    file: overrides.profileFile ?? null,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    clock: routingTime,
  });
  const ownStore = overrides.store === undefined;
  const store: Store | null = ownStore
    ? await openConfiguredStore(config, log).catch((err: Error) => {
        agents.close();
        log.fatal({ err: err.message }, 'cannot open the records store (DATABASE_URL or DATA_DIR)');
        throw err;
      })
    : (overrides.store ?? null);
  const ownOpenai = overrides.openai === undefined;
  const openai =
    overrides.openai ??
    createOpenAIConnection({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, webhookSecret: config.webhookSecret });
  const control = overrides.control ?? realtimeCallControl(openai.client, { timeoutMs: config.callControlTimeoutMs });
  const transport = overrides.transport ?? openaiWsTransport(openai.client);
  const live = {
    control: overrides.liveControl ?? liveCallControl(openai.client, { timeoutMs: config.callControlTimeoutMs }),
    transport: overrides.liveTransport ?? liveSidebandTransport(openai.client),
  };
  const liveCalls = new LiveCalls<CallSession>();
  const dedupe = new DeliveryDedupe({ ttlMs: overrides.dedupeTtlMs ?? 10 * 60_000 });
  let draining = false;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }), // our routes log what matters
    // After the drain, close every connection: a pre-opened socket or an SSE stream must not hold the exit.
    forceCloseConnections: true,
    bodyLimit: config.webhookMaxBodyBytes,
    // A sender that trickles its headers or body is cut off (408), not held open forever.
    requestTimeout: config.httpRequestTimeoutMs,
    connectionTimeout: config.httpConnectionTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, config.httpRequestTimeoutMs),
      // Node looks for expired requests only this often (30 s by default).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(config.httpRequestTimeoutMs / 4))),
    },
  });
  logServerErrors(app, log);
  app.get('/health', async (_req, reply) => reply.code(204).send());
  // Not ready while draining, or while this instance cannot reach the database it coordinates through.
  app.get('/ready', async (_req, reply) => {
    const instance = cluster ? { instanceId: cluster.instanceId } : {};
    if (draining) return reply.code(503).send({ status: 'draining', liveCalls: liveCalls.size, ...instance });
    if (cluster && !cluster.healthy)
      return reply.code(503).send({ status: 'coordination_unreachable', liveCalls: liveCalls.size, ...instance });
    return reply.code(200).send({ status: 'ready', liveCalls: liveCalls.size, ...instance });
  });

  // Always served: without the API it says why instead of failing silently.
  registerDashboard(app);

  const metrics = new Metrics({
    activeCalls: () => liveCalls.size,
    ...(store
      ? {
          outboxStats: () => store.outboxStats(),
          bufferedRecordEvents: () => records?.recorder.bufferedEvents ?? 0,
          recordsLagMs: () => records?.recorder.lagMs ?? 0,
        }
      : {}),
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  // The coordination between instances: in PostgreSQL beside the records, or in-process over SQLite.
  const coordination: Coordination | null =
    overrides.coordination !== undefined
      ? overrides.coordination
      : store
        ? await openCoordinationFor(store, {
            instanceId: config.instanceId,
            leaseMs: config.cluster.leaseMs,
            log,
            databaseUrl: config.databaseUrl,
            timeoutMs: config.cluster.queryTimeoutMs,
          }).catch(async (err: Error) => {
            agents.close();
            if (ownStore) await store.close();
            log.fatal({ err: err.message }, 'cannot open the coordination between instances (DATABASE_URL or DATA_DIR)');
            throw err;
          })
        : null;
  const cluster: Cluster | null = coordination
    ? new Cluster({
        coordination,
        heartbeatMs: config.cluster.heartbeatMs,
        leaseMs: config.cluster.leaseMs,
        relayTimeoutMs: config.cluster.relayTimeoutMs,
        handOverTimeoutMs: config.cluster.handOverTimeoutMs,
        acceptDeadlineMs: config.acceptDeadlineMs,
        log,
        clock,
        metrics: registerClusterMetrics(metrics.registry, { callsOwned: () => cluster?.callsOwned ?? 0 }),
        calls: {
          ids: () => liveCalls.list().map((c) => c.callId),
          // The same taking back as after a restart (record and plan from the store, no second greeting).
          reattach: async (call) => {
            const outcome = await takeBackById(call.callId);
            if (outcome === 'reattached' || outcome === 'live') {
              void liveCalls.get(call.callId)?.ended.then((reason) => {
                if (reason !== 'handed_over') void cluster?.finish(call.callId, call.epoch);
              });
              return 'attached';
            }
            return 'ended'; // lost (closed as instance_lost), or no call in progress to take
          },
          detach: async (callId) => {
            await liveCalls.get(callId)?.detach({ waitForToolsMs: 5_000 });
            downloader.forget(callId); // its recording is fetched where the call ends
            records?.recorder.release(callId);
            agents.counter.release(callId);
          },
          lost: (callId) => {
            if (records?.recorder.has(callId)) onEvent({ type: 'call.ended', callId, reason: 'instance_lost', endedAt: clock.epochMs() });
            else log.error({ callId }, 'a call taken over could not be re-attached, and its record could not be read');
          },
          run: (callId, command) => runHere(liveCalls, callId, command),
          flush: async () => {
            await records?.recorder.flush();
          },
        },
      })
    : null;
  const apiCluster: ApiCluster | null = cluster
    ? {
        instanceId: cluster.instanceId,
        owner: async (callId) => {
          const claim = await cluster.owner(callId);
          return claim && claim.state !== 'ended' && claim.ownerAlive ? claim.owner : null;
        },
        relay: (callId, command) => cluster.relay(callId, command),
      }
    : null;

  // GPT-Live recordings live beside the SQLite file, whichever store holds the records.
  const recordingFiles = new RecordingFiles(join(config.dataDir, 'recordings'));
  const downloader = new RecordingDownloader({
    files: recordingFiles,
    download: (sessionId) => openai.client.live.sessions.downloadRecording(sessionId, { timeout: 120_000 }),
    log,
    clock,
    ...overrides.recordingDownloads,
  });

  const analysisFor: AnalysisFor = (profile) => (profile === null ? null : (agents.current().analysis.get(profile) ?? null));
  const prices = () => agents.current().prices;
  const records = store
    ? new RecordsService({
        store,
        log,
        clock,
        batchMs: config.storeBatchMs,
        maxBufferedEvents: config.recordsMaxBufferedEvents,
        retentionDays: config.retentionDays,
        callEvents:
          config.callEventsUrl && config.callEventsSecret
            ? {
                url: config.callEventsUrl,
                secret: config.callEventsSecret,
                maxAttempts: config.callEventsMaxAttempts,
                timeoutMs: config.callEventsTimeoutMs,
              }
            : null,
        metrics,
        instanceId: config.instanceId,
        purgeFiles: (before) => recordingFiles.purge(before),
        ...(overrides.callEventsDelivery ? { outbox: overrides.callEventsDelivery } : {}),
        // After the call: its cost, and its analysis when its agent has one (read at that time, so a reload applies).
        onFinish: postCallFinisher({ prices, analysisFor, onCost: (cost) => metrics.callCost(cost) }),
        analysis: {
          client: openai.client,
          analysisFor,
          prices,
          maxAttempts: config.analysisMaxAttempts,
          timeoutMs: config.analysisTimeoutMs,
          ...overrides.analysisWorker,
        },
      })
    : null;
  if (store && records) {
    registerApi(app, {
      token: config.apiToken,
      records,
      liveCalls,
      cluster: apiCluster,
      log,
      preview: () => ({ snapshot: agents.current(), timeZone: agents.current().timeZone, counter: agents.counter }),
      recordings: recordingFiles,
    });
    if (!config.apiToken) log.warn('operator API is off: API_TOKEN is not set');
    if (!config.callEventsUrl) log.info('call-event webhooks are off: CALL_EVENTS_URL is not set');
    records.start();
  } else {
    log.warn('no records store: call records, the operator API and call-event webhooks are off');
  }

  // Every listener runs synchronously and only touches memory: nothing here can slow the call.
  const listeners = [
    metrics.observe,
    agents.onEvent,
    downloader.observe,
    ...(records ? [records.recorder.record] : []),
    ...(overrides.onEvent ? [overrides.onEvent] : []),
  ];
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

  const sessionDeps: SessionDeps = {
    control,
    transport,
    live,
    log,
    logPii: config.logPii,
    logTranscripts: config.logTranscripts,
    reconnectMaxAttempts: config.reconnectMaxAttempts,
    onEvent,
    clock,
    ...(cluster ? { claimToolCall: (callId: string, toolCallId: string) => cluster.claimToolCall(callId, toolCallId) } : {}),
  };
  const answerCall = createAnswerCall({
    ...sessionDeps,
    liveCalls,
    planCall: agents.planCall,
    acceptDeadlineMs: config.acceptDeadlineMs,
    answerFirst: new AnswerFirst({ clock, onError: (err) => log.error({ err }, 'starting a control socket failed') }),
    ...(cluster ? { claims: cluster } : {}),
  });
  /** Takes back a call left in progress: its agent, tools and transfers rebuilt from the record; no second greeting. */
  const reattach = async (call: CallDetail): Promise<boolean> => {
    // A recorded call's recording is fetched when it ends, here, whether it is taken back or closed.
    if (call.recording) downloader.track(call.callId);
    const restored = agents.restorePlan({ callId: call.callId, profile: call.profile ?? 'default', sipHeaders: call.sipHeaders });
    // Its agent moved to the other surface since: the call cannot be controlled as it was accepted.
    const agent = restored && agentSurface(restored) === call.surface ? restored : null;
    if (!agent) {
      // Nothing can control it as it was accepted: end it rather than leave the caller with an agent nobody runs.
      log.warn(
        { callId: call.callId, profile: call.profile, surface: call.surface },
        'no agent of that name (on that surface) any more for a call left in progress: hanging it up',
      );
      await controlFor(sessionDeps, call.surface)
        .hangup(call.callId)
        .catch(() => undefined);
      return false;
    }
    const session = newCallSession(sessionDeps, agent, call.callId, parseCallParties(call.sipHeaders));
    const attached = await session.attach(reattachTimeoutMs);
    if (!attached.ok) return false;
    liveCalls.add(session);
    session.begin({ greet: false });
    return true;
  };
  const takeBack = records
    ? { restore: (call: CallDetail) => records.recorder.restore(call), reattach, onEvent, log, epochMs: () => clock.epochMs() }
    : null;
  /** Calls a crash left in progress: taken back or closed (once, at start, before new calls come in). */
  const reconcile = (): Promise<ReconcileResult> =>
    store && takeBack
      ? reconcileCalls({
          ...takeBack,
          store,
          // SQLite is one process's: every call left in progress is its own. PostgreSQL may be shared.
          ...(store.kind === 'postgres' ? { owner: config.instanceId } : {}),
        })
      : Promise.resolve({ reattached: [], lost: [] });
  /** Takes a call in progress back from the store (see Switchboard.reattach): after a restart, or from a dead instance. */
  async function takeBackById(callId: string): Promise<'reattached' | 'lost' | 'live' | 'unknown'> {
    if (liveCalls.has(callId)) return 'live';
    const call = store && takeBack ? await store.getCall(callId) : null;
    if (call?.outcome !== 'in_progress' || !takeBack) return 'unknown';
    return takeBackCall(takeBack, call);
  }
  const deliveries = new DeliveryLog();
  registerWebhookRoute(app, {
    webhookSecret: config.webhookSecret,
    previousWebhookSecret: () => previousSecretInForce(config, clock.epochMs()),
    onDelivery: deliveries.record,
    dedupe,
    answerCall,
    isDraining: () => draining,
    isLive: (callId) => liveCalls.has(callId),
    bodyLimitBytes: config.webhookMaxBodyBytes,
    log,
    clock,
    onRefused: (reason) => metrics.webhookRefused(reason),
  });
  if (config.apiToken) {
    registerSetupRoutes(app, {
      token: config.apiToken,
      deliveries,
      secrets: serverSecretFingerprints(config),
      runChecks: serverChecks({
        config,
        env: overrides.env ?? {},
        cwd: overrides.cwd ?? process.cwd(),
        client: openai.client,
        store,
        deliveries,
      }),
    });
  }

  let keepWarm: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;
  const warm = () =>
    openai.warm().catch((err: Error) => log.warn({ baseUrl: config.openaiBaseUrl, err: err.message }, 'cannot reach the OpenAI API yet'));

  return {
    config,
    log,
    app,
    openai,
    agents,
    liveCalls,
    dedupe,
    metrics,
    records,
    cluster,
    recordings: { files: recordingFiles, downloader },
    async start() {
      if ((await openai.checkKey()) === 'refused')
        log.error({ baseUrl: config.openaiBaseUrl }, 'OPENAI_API_KEY was refused (401): calls will fail until it is fixed');
      // Deprecated or shut-down models: what the models API reports wins over the shipped list.
      warnAboutModels(log, agents.current().models, { epochMs: clock.epochMs(), listed: openai.listedModels() });
      await warm();
      keepWarm = setInterval(warm, keepWarmMs).unref();
      if (cluster) {
        // Joins the others: from now on this instance's lease is renewed, and orphaned calls (a dead
        // instance's, or this instance's own earlier run's) are taken over. That is the reconciliation.
        await cluster.start();
        log.info({ instanceId: cluster.instanceId, store: coordination?.kind }, 'joined the cluster');
      } else {
        await reconcile().catch((err: Error) => log.error({ err: err.message }, 'reconciling calls left in progress failed'));
      }
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address() as AddressInfo;
      log.info({ port: address.port, baseUrl: config.openaiBaseUrl, model: config.model, agents: agents.source }, 'switchboard ready');
      return address;
    },
    reattach: takeBackById,
    isDraining: () => draining,
    beginDrain() {
      draining = true;
    },
    shutdown() {
      stopped ??= (async () => {
        draining = true;
        clearInterval(keepWarm);
        // With another instance alive, the calls go on there; alone, they drain here.
        const handed = cluster ? await cluster.handOver() : null;
        if (!handed) {
          log.info({ liveCalls: liveCalls.size, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
          // Hangups OpenAI does not answer (their own deadline, at most the budget) end the calls here.
          const cut = await liveCalls.drain(config.drainTimeoutMs, Math.min(config.callControlTimeoutMs, shutdownBudget.hangupMs) + 250);
          if (cut > 0) log.warn({ cut }, 'drain timeout: hung up the remaining calls');
        }
        // The calls that ended here may still have recordings to fetch: a short last chance.
        await downloader.drain(5_000);
        await app.close();
        // The last write, bounded: a database that does not answer must not hold the exit.
        if (records && !(await within(records.close(), shutdownBudget.finalWriteMs))) {
          log.error(
            { bufferedCalls: records.recorder.bufferedCalls, waitedMs: shutdownBudget.finalWriteMs },
            'final write of call records did not finish in time: what is unwritten is lost',
          );
        }
        // The lease ends: what this instance still owns is taken over at once by the others.
        if (cluster && !(await within(cluster.stop(), shutdownBudget.closeMs + config.cluster.queryTimeoutMs)))
          log.warn('leaving the cluster did not finish in time');
        agents.close();
        dedupe.clear();
        if (ownStore && store && !(await within(store.close(), shutdownBudget.closeMs)))
          log.warn('the records store did not close in time');
        // Requests in flight get a moment, then the connections are cut: one OpenAI never answers must not hold the exit.
        if (ownOpenai) await openai.close(shutdownBudget.closeMs);
        log.info('stopped');
      })();
      return stopped;
    },
  };
}
