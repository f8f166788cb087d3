// startEmulator: OpenAI's side of SIP calls on a local port, on both surfaces: Realtime (REST, control
// socket, realtime.call.incoming) and GPT-Live (REST, sideband, live.transport.incoming, recordings).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { type Clock, systemClock } from '../time/clock.ts';
import type { CallRecord, WebhookTamper } from './call-record.ts';
import { LiveCall } from './call-state.ts';
import { registerControlRoutes } from './control-routes.ts';
import { attachControlSocket } from './control-socket.ts';
import { checkExpectations } from './expectations.ts';
import { withDefaultFaults } from './fault-flags.ts';
import { newCallId, newLiveSessionId, newWebhookEventId, newWebhookId, randomHex } from './ids.ts';
import { buildInviteHeaders } from './invite-headers.ts';
import { registerLiveRestRoutes } from './live-rest-routes.ts';
import { type EmulatorLogger, resolveLogger } from './logger.ts';
import { registerResponsesRoute } from './responses-route.ts';
import { registerRestRoutes } from './rest-routes.ts';
import { expectSchema, type FaultsInput, parseScenario, type ScenarioExpect, type ScenarioInput } from './scenario.ts';
import { playScenario } from './scenario-player.ts';
import { formatTimeline, formatTimelines } from './timeline.ts';
import { type EmulatedWebhookEndpoint, WebhookEndpoints, type WebhookTestRecord } from './webhook-endpoints.ts';
import { registerWebhookEndpointsRoutes } from './webhook-endpoints-routes.ts';
import { type DeliveryResult, WebhookSender } from './webhook-sender.ts';
import { isValidWebhookSecret } from './webhook-signing.ts';

export interface StartEmulatorOptions {
  /** Bearer token required on every REST call and on the WebSocket. */
  apiKey: string;
  /** `whsec_<base64>` used to sign webhooks. */
  webhookSecret: string;
  /** Where realtime.call.incoming and live.transport.incoming are POSTed (or later: setWebhookUrl). */
  webhookUrl?: string;
  host?: string;
  port?: number;
  /** Serve https/wss instead of http/ws. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Delays between webhook attempts; default [500, 1000, 2000, 4000]. */
  webhookRetryDelaysMs?: number[];
  /** No answer within this counts as a failed attempt; default 5000. */
  webhookTimeoutMs?: number;
  /** How long an agent utterance plays; default 300. */
  playbackMs?: number;
  logger?: EmulatorLogger | false;
  clock?: Clock;
  /** The project id (`openai-project` response header); default a random `proj_…`. */
  projectId?: string;
  /** GPT-Live SIP enabled for the project (live.transport.incoming subscribable); default true. */
  liveSip?: boolean;
  /** Webhook endpoint tests refuse event types the endpoint is not subscribed to; default false. */
  webhookTestRequiresSubscription?: boolean;
  /** Faults every call gets (the CLI's --fault flags); a scenario's own faults win key by key. */
  faults?: FaultsInput;
}

export interface EmulatedCall {
  /** The Realtime call id (rtc_…). */
  id: string;
  webhookId: string;
  /** The same call's GPT-Live session id (live_…). */
  liveSessionId: string;
  liveWebhookId: string;
  record: CallRecord;
  ended: Promise<CallRecord>;
  /** placeCall only: settles when the webhooks were acknowledged or retries ran out. */
  delivered?: Promise<DeliveryResult>;
}

export interface DeliverWebhookOptions {
  webhookId?: string;
  tamper?: WebhookTamper;
  retry?: boolean;
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:PORT/v1': the OpenAI client's baseURL. */
  baseURL: string;
  projectId: string;
  /** The webhook endpoints registered through client.webhooks.* (with their secrets), oldest first. */
  webhookEndpoints(): EmulatedWebhookEndpoint[];
  /** Test deliveries made by client.webhooks.test, oldest first. */
  webhookTests(): readonly WebhookTestRecord[];
  setWebhookUrl(url: string): void;
  placeCall(scenario?: ScenarioInput, opts?: { duplicates?: number }): Promise<EmulatedCall>;
  /** One webhook for the call: realtime.call.incoming for its rtc_… id, live.transport.incoming for its live_… id. */
  deliverWebhook(callId: string, opts?: DeliverWebhookOptions): Promise<{ status: number; body: string }>;
  createCall(scenario?: ScenarioInput): EmulatedCall;
  /** By either of the call's ids. */
  call(callId: string): CallRecord | undefined;
  calls(): CallRecord[];
  timeline(callId?: string): string;
  check(callId: string, expect: ScenarioExpect): string[];
  close(): Promise<void>;
}

const defaultRetryDelaysMs = [500, 1000, 2000, 4000];

function checkOptions(opts: StartEmulatorOptions): void {
  if (!opts.apiKey) throw new TypeError('startEmulator: apiKey is required');
  if (!opts.webhookSecret || !isValidWebhookSecret(opts.webhookSecret)) {
    throw new TypeError("startEmulator: webhookSecret must be 'whsec_<base64 of at least 16 bytes>' or a non-empty string");
  }
  const delays = opts.webhookRetryDelaysMs ?? [];
  if (!delays.every((d) => Number.isInteger(d) && d >= 0))
    throw new TypeError('startEmulator: webhookRetryDelaysMs must be non-negative integers');
  if (opts.webhookUrl !== undefined) new URL(opts.webhookUrl);
  if (opts.faults) parseScenario({ faults: opts.faults }); // names a bad fault now, not at the first call
}

function formatBaseURL(address: AddressInfo, tls: boolean): string {
  const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shown}:${address.port}/v1`;
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<Emulator> {
  checkOptions(opts);
  const clock = opts.clock ?? systemClock;
  const logger = resolveLogger(opts.logger);
  const playbackMs = opts.playbackMs ?? 300;
  const calls = new Map<string, LiveCall>();
  const players = new Set<Promise<void>>();
  const shutdown = new AbortController();
  let webhookUrl = opts.webhookUrl;
  let closed: Promise<void> | undefined;

  const server: http.Server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    serverFactory: (handler) => server.on('request', handler),
  });

  const projectId = opts.projectId ?? `proj_${randomHex(12)}`;
  const endpoints = new WebhookEndpoints({
    clock,
    logger,
    liveSip: opts.liveSip ?? true,
    testRequiresSubscription: opts.webhookTestRequiresSubscription ?? false,
    deliveryTimeoutMs: opts.webhookTimeoutMs ?? 5000,
    signal: shutdown.signal,
  });

  const sender = new WebhookSender({
    secret: opts.webhookSecret,
    clock,
    logger,
    timeoutMs: opts.webhookTimeoutMs ?? 5000,
    retryDelaysMs: opts.webhookRetryDelaysMs ?? defaultRetryDelaysMs,
    webhookUrl: () => webhookUrl,
    endpoint: (eventType) => endpoints.target(eventType),
    signal: shutdown.signal,
  });

  /** Each call once (the map holds it under both its ids). */
  const uniqueCalls = (): LiveCall[] => [...new Set(calls.values())];

  const liveCall = (callId: string): LiveCall => {
    const call = calls.get(callId);
    if (!call) throw new Error(`no emulated call ${callId}`);
    return call;
  };

  const emulatedCall = (call: LiveCall, delivered?: Promise<DeliveryResult>): EmulatedCall => ({
    id: call.id,
    webhookId: call.record.webhookId,
    liveSessionId: call.record.liveSessionId,
    liveWebhookId: call.record.liveWebhookId,
    record: call.record,
    ended: call.ended,
    ...(delivered ? { delivered } : {}),
  });

  const createCall = (input?: ScenarioInput): EmulatedCall => {
    if (shutdown.signal.aborted) throw new Error('the emulator is closed');
    const scenario = parseScenario(withDefaultFaults(input ?? {}, opts.faults));
    const sipHeaders =
      scenario.sipHeaders ??
      buildInviteHeaders({ from: scenario.from, to: scenario.to, callerName: scenario.callerName, contact: scenario.contact });
    const call = new LiveCall({
      id: newCallId(),
      webhookId: newWebhookId(),
      eventId: newWebhookEventId(),
      liveSessionId: newLiveSessionId(),
      liveWebhookId: newWebhookId(),
      liveEventId: newWebhookEventId(),
      scenario,
      sipHeaders,
      clock,
      logger,
    });
    // One SIP call, two ids: each surface's API answers to its own.
    calls.set(call.id, call);
    calls.set(call.record.liveSessionId, call);
    call.note('call', `incoming call from ${scenario.from} to ${scenario.to} (${scenario.name})`);
    logger.info({ callId: call.id, scenario: scenario.name }, 'emulated call created');
    const player = playScenario(call, { playbackMs })
      .catch((err: unknown) => logger.error({ callId: call.id, err: err instanceof Error ? err.message : String(err) }, 'scenario failed'))
      .finally(() => players.delete(player));
    players.add(player);
    return emulatedCall(call);
  };

  const eventTypeOf = (surface: 'realtime' | 'live') =>
    surface === 'live' ? ('live.transport.incoming' as const) : ('realtime.call.incoming' as const);
  /**
   * The scenario's webhook types this project sends: without GPT-Live SIP no Live one; once
   * endpoints are registered, only the types one of them is subscribed to (else the scenario's, to webhookUrl).
   */
  const sentTypes = (wanted: readonly ('realtime' | 'live')[]) =>
    wanted.filter(
      (s) =>
        (s !== 'live' || opts.liveSip !== false) &&
        (endpoints.snapshot().length === 0 ? Boolean(webhookUrl) : Boolean(endpoints.target(eventTypeOf(s)))),
    );

  const placeCall = async (input?: ScenarioInput, placeOpts: { duplicates?: number } = {}): Promise<EmulatedCall> => {
    if (!webhookUrl && !endpoints.target('realtime.call.incoming') && !endpoints.target('live.transport.incoming')) {
      throw new Error('no webhook URL: pass webhookUrl to startEmulator or call setWebhookUrl');
    }
    const copies = placeOpts.duplicates ?? 1;
    if (!Number.isInteger(copies) || copies < 1) throw new TypeError('placeCall: duplicates must be a positive integer');
    const created = createCall(input);
    const call = liveCall(created.id);
    const firstAttempts: Promise<void>[] = [];
    const types = sentTypes(call.scenario.webhooks);
    if (types.length < call.scenario.webhooks.length)
      call.note(
        'webhook',
        `not sent (not subscribed, or no GPT-Live SIP): ${call.scenario.webhooks.filter((t) => !types.includes(t)).join(', ')}`,
      );
    // Each event type is its own delivery (own webhook-id), started in the scenario's order.
    const deliveries = types.flatMap((surface, typeIndex) => {
      const webhookId = surface === 'live' ? call.record.liveWebhookId : call.record.webhookId;
      const eventType = eventTypeOf(surface);
      return Array.from({ length: copies }, (_, i) => {
        let firstAnswered = (): void => {};
        firstAttempts.push(new Promise<void>((resolve) => (firstAnswered = resolve)));
        const gapMs = typeIndex * call.scenario.webhookGapMs;
        const start = gapMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, gapMs)) : Promise.resolve();
        return start.then(() =>
          sender.deliver(call, { webhookId, eventType, retry: true, copy: i + 1, onFirstAnswer: () => firstAnswered() }),
        );
      });
    });
    const delivered = Promise.all(deliveries).then(
      (results) =>
        results.find((r) => r.status >= 200 && r.status < 300) ?? results[results.length - 1] ?? { status: 0, body: '', attempts: 0 },
    );
    delivered.catch((err: unknown) =>
      logger.error({ callId: call.id, err: err instanceof Error ? err.message : String(err) }, 'webhook delivery failed'),
    );
    await Promise.race([
      Promise.all(firstAttempts),
      delivered.then(
        () => undefined,
        () => undefined,
      ),
    ]);
    return emulatedCall(call, delivered);
  };

  // OpenAI names the key's project on its answers; setup and doctor read it for the SIP URI.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/v1/')) reply.header('openai-project', projectId);
    return payload;
  });
  registerRestRoutes(app, { apiKey: opts.apiKey, calls, clock, logger, signal: shutdown.signal });
  registerWebhookEndpointsRoutes(app, { apiKey: opts.apiKey, endpoints });
  registerResponsesRoute(app, { apiKey: opts.apiKey, calls, clock, logger });
  registerLiveRestRoutes(app, { apiKey: opts.apiKey, calls, clock, logger, liveSip: opts.liveSip ?? true });
  registerControlRoutes(app, {
    placeCall,
    call: (id) => calls.get(id)?.record,
    calls: () => uniqueCalls().map((c) => c.record),
    timeline: (id) => formatTimeline(liveCall(id).record),
    check: (id, expect) => checkExpectations(liveCall(id).record, expect),
    expectOf: (id) => calls.get(id)?.scenario.expect,
  });
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const controlSocket = attachControlSocket(server, { apiKey: opts.apiKey, calls, logger, playbackMs });
  const baseURL = formatBaseURL(server.address() as AddressInfo, Boolean(opts.tls));
  logger.info({ baseURL }, 'emulator listening');

  return {
    baseURL,
    projectId,
    webhookEndpoints: () => endpoints.snapshot(),
    webhookTests: () => endpoints.tests,
    setWebhookUrl(url: string) {
      new URL(url);
      webhookUrl = url;
    },
    placeCall,
    createCall,
    async deliverWebhook(callId, deliverOpts = {}) {
      const call = liveCall(callId);
      const live = callId === call.record.liveSessionId;
      if (!webhookUrl && !endpoints.target(live ? 'live.transport.incoming' : 'realtime.call.incoming')) {
        throw new Error('no webhook URL: pass webhookUrl to startEmulator or call setWebhookUrl');
      }
      const result = await sender.deliver(call, {
        webhookId: deliverOpts.webhookId ?? (live ? call.record.liveWebhookId : call.record.webhookId),
        eventType: live ? 'live.transport.incoming' : 'realtime.call.incoming',
        tamper: deliverOpts.tamper,
        retry: deliverOpts.retry ?? false,
      });
      return { status: result.status, body: result.body };
    },
    call: (callId) => calls.get(callId)?.record,
    calls: () => uniqueCalls().map((c) => c.record),
    timeline: (callId) =>
      callId === undefined ? formatTimelines(uniqueCalls().map((c) => c.record)) : formatTimeline(liveCall(callId).record),
    check: (callId, expect) => {
      const call = calls.get(callId);
      if (!call) return [`no emulated call ${callId}`];
      return checkExpectations(call.record, expectSchema.parse(expect));
    },
    close() {
      closed ??= (async () => {
        shutdown.abort();
        for (const call of uniqueCalls()) call.end('shutdown');
        await Promise.all(uniqueCalls().map((c) => c.socketsClosed(500)));
        controlSocket.close();
        await app.close();
        await Promise.allSettled([...players]);
        logger.info({ calls: uniqueCalls().length }, 'emulator closed');
      })();
      return closed;
    },
  };
}
