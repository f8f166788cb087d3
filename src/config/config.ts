import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { defaultAnalysisModel } from '../analysis/analysis-spec.ts';
import { SwitchboardError } from '../errors.ts';
import {
  defaultDelegationModel,
  defaultLiveModel,
  defaultRealtimeModel,
  defaultTranscriptionModel,
  modelSurfaceMismatch,
  type Surface,
  surfaces,
} from '../openai/surface.ts';
import { isWebhookSecret, webhookSecretProblem } from '../outbox/sign.ts';
import { checkAllowListEntry } from '../sip/host-allow-list.ts';
import { isTransferTarget, transferTargetProblem } from '../sip/index.ts';

export const defaultInstructions = 'You are a helpful customer support agent.';
export const defaultGreeting = 'Hello! How can I assist you today?';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ms = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected a whole number of milliseconds')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

// Names are the environment's (and Bandwidth's guide's), so the error paths name the variable to fix.
const envSchema = z.object({
  OPENAI_API_KEY: z.string({ error: 'required: your OpenAI API key' }).min(1, 'required: your OpenAI API key'),
  OPENAI_WEBHOOK_SECRET: z
    .string({ error: 'required (or OPENAI_SIGNING_SECRET): the webhook signing secret, whsec_…' })
    .min(1, 'required (or OPENAI_SIGNING_SECRET): the webhook signing secret, whsec_…'),
  OPENAI_WEBHOOK_SECRET_PREVIOUS: z.string().min(1).optional(),
  OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 time like 2026-12-02T10:00:00Z')
    .optional(),
  PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: 'expected the public base URL OpenAI reaches this server at, like https://switchboard.example.com',
    })
    .refine((v) => !/[?#]/.test(v), 'expected a base URL without a query or fragment')
    .optional(),
  OPENAI_PROJECT_ID: z
    .string()
    .regex(/^proj_[A-Za-z0-9]+$/, 'expected an OpenAI project id like proj_12345abc')
    .optional(),
  REFER_TO: z
    .string({ error: 'required: where transfers go, an E.164 number like +19195554321 or a sip: URI' })
    .refine(isTransferTarget, { error: transferTargetProblem }),
  LOCAL_PORT: z.coerce.number({ error: 'expected a port number from 0 to 65535' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(logLevels, { error: `expected one of ${logLevels.join(', ')}` }).default('info'),
  LOG_PII: flag.default(false),
  LOG_TRANSCRIPTS: flag.default(false),
  OPENAI_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL like https://api.openai.com/v1' })
    .default('https://api.openai.com/v1'),
  AGENT_SURFACE: z.enum(surfaces, { error: 'expected realtime or live' }).default('realtime'),
  OPENAI_MODEL: z.string().min(1).default(defaultRealtimeModel),
  LIVE_MODEL: z.string().min(1).default(defaultLiveModel),
  DELEGATION_MODEL: z.string().min(1).default(defaultDelegationModel),
  DELEGATION_INSTRUCTIONS: z.string().min(1).optional(),
  RECORDING: flag.default(false),
  AGENT_VOICE: z.string().min(1).default('marin'),
  AGENT_INSTRUCTIONS: z.string().min(1).optional(),
  AGENT_INSTRUCTIONS_FILE: z.string().min(1).optional(),
  GREETING: z.string().min(1).default(defaultGreeting),
  TRANSCRIPTION_MODEL: z.string().min(1).default(defaultTranscriptionModel),
  REFER_SIP_HOST: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'expected host or host:port, e.g. 67.231.5.176:5061')
    .optional(),
  CARRIER_ALLOWED_HOSTS: z
    .string()
    .transform((v, ctx) => {
      const entries = splitList(v);
      for (const entry of entries) {
        const r = checkAllowListEntry(entry);
        if (!r.ok)
          ctx.addIssue({
            code: 'custom',
            message: `${r.message} (a comma-separated list of addresses, CIDR networks, host names or *.names)`,
          });
      }
      return entries;
    })
    .optional(),
  REFER_TIMEOUT_MS: ms(100, 60_000).default(5_000),
  DRAIN_TIMEOUT_MS: ms(0, 3_600_000).default(30_000),
  ACCEPT_DEADLINE_MS: ms(100, 60_000).default(3_000),
  CALL_CONTROL_TIMEOUT_MS: ms(100, 60_000).default(5_000),
  GOODBYE_MAX_MS: ms(0, 60_000).default(8_000),
  RECONNECT_MAX_ATTEMPTS: z.coerce.number().int().min(0).max(100).default(5),
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024), // a real call event is about 3 KB
  HTTP_REQUEST_TIMEOUT_MS: ms(100, 600_000).default(10_000),
  HTTP_CONNECTION_TIMEOUT_MS: ms(1_000, 3_600_000).default(60_000),
  DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/\S+$/,
      'expected a PostgreSQL URL like postgres://user:password@host:5432/dbname (unset: SQLite under DATA_DIR)',
    )
    .optional(),
  DATABASE_TIMEOUT_MS: ms(100, 600_000).default(10_000),
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.:@-]{1,200}$/, 'expected letters, digits and . : @ - _ (at most 200)')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  RETENTION_DAYS: z.coerce
    .number({ error: 'expected a number of days (0 keeps calls forever)' })
    .int('expected a whole number of days')
    .min(0)
    .max(36_500)
    .default(90),
  API_TOKEN: z.string().min(16, 'too short: use at least 16 random characters, e.g. `openssl rand -hex 32`').optional(),
  CALL_EVENTS_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL that receives the call events' }).optional(),
  CALL_EVENTS_SECRET: z.string().refine(isWebhookSecret, webhookSecretProblem).optional(),
  CALL_EVENTS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(20),
  CALL_EVENTS_TIMEOUT_MS: ms(100, 120_000).default(10_000),
  STORE_BATCH_MS: ms(10, 60_000).default(1_000),
  RECORDS_MAX_BUFFERED_EVENTS: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
  CLUSTER_HEARTBEAT_MS: ms(50, 60_000).default(1_000),
  CLUSTER_LEASE_MS: ms(200, 600_000).default(4_000),
  CLUSTER_RELAY_TIMEOUT_MS: ms(100, 120_000).default(10_000),
  CLUSTER_HANDOVER_TIMEOUT_MS: ms(0, 600_000).default(10_000),
  CLUSTER_QUERY_TIMEOUT_MS: ms(100, 60_000).default(2_000),
  BENCH_STATS: flag.default(false),
  ANALYSIS_SUMMARY: flag.default(false),
  ANALYSIS_MODEL: z.string().min(1).default(defaultAnalysisModel),
  ANALYSIS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  ANALYSIS_TIMEOUT_MS: ms(1_000, 600_000).default(60_000),
});

/** `a, b,,c` → [a, b, c]. */
function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export type Env = Record<string, string | undefined>;

export interface Config {
  readonly openaiApiKey: string;
  readonly webhookSecret: string;
  /** The secret before the last rotation, accepted until `untilMs` (null: while it is set). */
  readonly previousWebhookSecret: { secret: string; untilMs: number | null } | null;
  /** Where OpenAI reaches this server (setup writes it); null: not configured. */
  readonly publicUrl: string | null;
  /** The OpenAI project (for the SIP URI Bandwidth routes to); null: unknown. */
  readonly projectId: string | null;
  readonly referTo: string;
  readonly referSipHost: string | null;
  /** Carrier hosts a REFER may go to; null: every Contact host is trusted (a warning at startup). */
  readonly carrierAllowedHosts: readonly string[] | null;
  readonly referTimeoutMs: number;
  readonly port: number;
  readonly host: string;
  readonly logLevel: (typeof logLevels)[number];
  readonly logPii: boolean;
  /** Transcript lines at info (true) or at debug (false). */
  readonly logTranscripts: boolean;
  readonly openaiBaseUrl: string;
  /** Which API serves the environment's agent (and the default for profile agents). */
  readonly surface: Surface;
  /** The Realtime model. */
  readonly model: string;
  readonly liveModel: string;
  /** Live: the Responses model that runs the agent's tools. */
  readonly delegationModel: string;
  /** Live: the backend prompt; null derives it from the agent's instructions. */
  readonly delegationInstructions: string | null;
  /** Live: accept with store: true and keep each call's recording. */
  readonly recording: boolean;
  readonly voice: string;
  readonly instructions: string;
  readonly greeting: string;
  readonly transcriptionModel: string;
  readonly drainTimeoutMs: number;
  readonly acceptDeadlineMs: number;
  /** Deadline of every other request to OpenAI's call control (hangup, reject, refer). */
  readonly callControlTimeoutMs: number;
  readonly goodbyeMaxMs: number;
  readonly reconnectMaxAttempts: number;
  readonly webhookMaxBodyBytes: number;
  /** Longest time to receive a whole request, headers and body: a slow sender is cut off (408). */
  readonly httpRequestTimeoutMs: number;
  /** An idle connection (nothing sent either way) is closed after this. */
  readonly httpConnectionTimeoutMs: number;
  /** null: SQLite at `${dataDir}/switchboard.db`. */
  readonly databaseUrl: string | null;
  /** Longest a PostgreSQL connect or query may take before it fails (a silent network must not hold a write forever). */
  readonly databaseTimeoutMs: number;
  /** This instance, as recorded on the calls it controls; stable across restarts (default host:port). */
  readonly instanceId: string;
  readonly dataDir: string;
  /** 0 keeps calls forever. */
  readonly retentionDays: number;
  /** null: the operator API is off. */
  readonly apiToken: string | null;
  readonly callEventsUrl: string | null;
  readonly callEventsSecret: string | null;
  readonly callEventsMaxAttempts: number;
  readonly callEventsTimeoutMs: number;
  readonly storeBatchMs: number;
  /** Cap on call events held in memory unwritten (the store fails or stalls); beyond it some are dropped, logged and counted. */
  readonly recordsMaxBufferedEvents: number;
  /** Instances sharing the database: lease renewal, lease length, relayed commands, the hand-over, each coordination query. */
  readonly cluster: { heartbeatMs: number; leaseMs: number; relayTimeoutMs: number; handOverTimeoutMs: number; queryTimeoutMs: number };
  /** Bench only: expose GET /internal/bench-stats (event-loop delay, CPU, memory). */
  readonly benchStats: boolean;
  /** Without a profile file: summarise every answered call after it ends. */
  readonly analysisSummary: boolean;
  readonly analysisModel: string;
  readonly analysisMaxAttempts: number;
  readonly analysisTimeoutMs: number;
}

type ReadFile = (path: string) => string;

/** Validates the environment once; every problem is reported together, by variable name. */
export function loadConfig(env: Env, readFile: ReadFile = (p) => readFileSync(p, 'utf8')): Config {
  const input: Env = { ...env };
  // Aliases from Bandwidth's guide and common hosting platforms.
  input.OPENAI_WEBHOOK_SECRET ||= env.OPENAI_SIGNING_SECRET;
  input.LOCAL_PORT ||= env.PORT;
  for (const key of Object.keys(input)) if (input[key] === '') delete input[key];

  const problems: string[] = [];
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  }
  if (input.AGENT_INSTRUCTIONS && input.AGENT_INSTRUCTIONS_FILE) {
    problems.push('AGENT_INSTRUCTIONS_FILE: set either AGENT_INSTRUCTIONS or AGENT_INSTRUCTIONS_FILE, not both');
  }
  let instructions = input.AGENT_INSTRUCTIONS ?? defaultInstructions;
  if (input.AGENT_INSTRUCTIONS_FILE && !input.AGENT_INSTRUCTIONS) {
    try {
      instructions = readFile(input.AGENT_INSTRUCTIONS_FILE).trim();
      if (!instructions) problems.push(`AGENT_INSTRUCTIONS_FILE: ${input.AGENT_INSTRUCTIONS_FILE} is empty`);
    } catch (err) {
      problems.push(
        `AGENT_INSTRUCTIONS_FILE: cannot read ${input.AGENT_INSTRUCTIONS_FILE} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (parsed.success && parsed.data.RECORDING && parsed.data.AGENT_SURFACE !== 'live') {
    problems.push('RECORDING: recordings need AGENT_SURFACE=live (Realtime SIP cannot record calls)');
  }
  if (parsed.success) {
    const v = parsed.data;
    const mismatch =
      v.AGENT_SURFACE === 'live' ? modelSurfaceMismatch(v.LIVE_MODEL, 'live') : modelSurfaceMismatch(v.OPENAI_MODEL, 'realtime');
    if (mismatch) problems.push(`${v.AGENT_SURFACE === 'live' ? 'LIVE_MODEL' : 'OPENAI_MODEL'}: ${mismatch}`);
  }
  if (input.CALL_EVENTS_URL && !input.CALL_EVENTS_SECRET) {
    problems.push('CALL_EVENTS_SECRET: required when CALL_EVENTS_URL is set: the secret receivers verify the events with (whsec_…)');
  }
  if (parsed.success && parsed.data.HTTP_CONNECTION_TIMEOUT_MS <= parsed.data.ACCEPT_DEADLINE_MS) {
    // The webhook's connection is idle while the accept runs: it must outlast the accept.
    problems.push('HTTP_CONNECTION_TIMEOUT_MS: must be longer than ACCEPT_DEADLINE_MS');
  }
  if (parsed.success && parsed.data.CLUSTER_LEASE_MS < 2 * parsed.data.CLUSTER_HEARTBEAT_MS) {
    problems.push('CLUSTER_LEASE_MS: must be at least twice CLUSTER_HEARTBEAT_MS (a lease must survive one missed renewal)');
  }
  if (!parsed.success || problems.length > 0) {
    throw new SwitchboardError('SB_CONFIG_INVALID', `\n  - ${problems.join('\n  - ')}`, { problems });
  }
  const v = parsed.data;
  return Object.freeze({
    openaiApiKey: v.OPENAI_API_KEY,
    webhookSecret: v.OPENAI_WEBHOOK_SECRET,
    previousWebhookSecret: v.OPENAI_WEBHOOK_SECRET_PREVIOUS
      ? {
          secret: v.OPENAI_WEBHOOK_SECRET_PREVIOUS,
          untilMs: v.OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL ? Date.parse(v.OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL) : null,
        }
      : null,
    publicUrl: v.PUBLIC_URL ? v.PUBLIC_URL.replace(/\/+$/, '') : null,
    projectId: v.OPENAI_PROJECT_ID ?? null,
    referTo: v.REFER_TO,
    referSipHost: v.REFER_SIP_HOST ?? null,
    carrierAllowedHosts: v.CARRIER_ALLOWED_HOSTS && v.CARRIER_ALLOWED_HOSTS.length > 0 ? Object.freeze(v.CARRIER_ALLOWED_HOSTS) : null,
    referTimeoutMs: v.REFER_TIMEOUT_MS,
    port: v.LOCAL_PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    logPii: v.LOG_PII,
    logTranscripts: v.LOG_TRANSCRIPTS,
    openaiBaseUrl: v.OPENAI_BASE_URL.replace(/\/+$/, ''),
    surface: v.AGENT_SURFACE,
    model: v.OPENAI_MODEL,
    liveModel: v.LIVE_MODEL,
    delegationModel: v.DELEGATION_MODEL,
    delegationInstructions: v.DELEGATION_INSTRUCTIONS ?? null,
    recording: v.RECORDING,
    voice: v.AGENT_VOICE,
    instructions,
    greeting: v.GREETING,
    transcriptionModel: v.TRANSCRIPTION_MODEL,
    drainTimeoutMs: v.DRAIN_TIMEOUT_MS,
    acceptDeadlineMs: v.ACCEPT_DEADLINE_MS,
    callControlTimeoutMs: v.CALL_CONTROL_TIMEOUT_MS,
    goodbyeMaxMs: v.GOODBYE_MAX_MS,
    reconnectMaxAttempts: v.RECONNECT_MAX_ATTEMPTS,
    webhookMaxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    httpRequestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
    httpConnectionTimeoutMs: v.HTTP_CONNECTION_TIMEOUT_MS,
    databaseUrl: v.DATABASE_URL ?? null,
    databaseTimeoutMs: v.DATABASE_TIMEOUT_MS,
    instanceId: v.INSTANCE_ID ?? `${hostname()}:${v.LOCAL_PORT}`,
    dataDir: v.DATA_DIR,
    retentionDays: v.RETENTION_DAYS,
    apiToken: v.API_TOKEN ?? null,
    callEventsUrl: v.CALL_EVENTS_URL ?? null,
    callEventsSecret: v.CALL_EVENTS_SECRET ?? null,
    callEventsMaxAttempts: v.CALL_EVENTS_MAX_ATTEMPTS,
    callEventsTimeoutMs: v.CALL_EVENTS_TIMEOUT_MS,
    storeBatchMs: v.STORE_BATCH_MS,
    recordsMaxBufferedEvents: v.RECORDS_MAX_BUFFERED_EVENTS,
    cluster: Object.freeze({
      heartbeatMs: v.CLUSTER_HEARTBEAT_MS,
      leaseMs: v.CLUSTER_LEASE_MS,
      relayTimeoutMs: v.CLUSTER_RELAY_TIMEOUT_MS,
      handOverTimeoutMs: v.CLUSTER_HANDOVER_TIMEOUT_MS,
      queryTimeoutMs: v.CLUSTER_QUERY_TIMEOUT_MS,
    }),
    benchStats: v.BENCH_STATS,
    analysisSummary: v.ANALYSIS_SUMMARY,
    analysisModel: v.ANALYSIS_MODEL,
    analysisMaxAttempts: v.ANALYSIS_MAX_ATTEMPTS,
    analysisTimeoutMs: v.ANALYSIS_TIMEOUT_MS,
  });
}
