// The shape of switchboard.yaml. Structure and types only; cross-references
// (a route naming an agent that exists, …) are checked in check-references.ts and
// templates, schemas and secrets when the file is compiled.
import { z } from 'zod';
import { isIsoDate, parseRange, weekdayKeys } from '../hours/business-hours.ts';
import { surfaces } from '../openai/surface.ts';
import { isNumberPattern } from '../routing/number-list.ts';
import { checkAllowListEntry } from '../sip/host-allow-list.ts';
import { isTransferTarget, parseHostPort, transferTargetProblem } from '../sip/index.ts';
import { isLocale, isTimeZone } from '../time/local-clock.ts';
import { httpMethods } from '../tools/http-tool.ts';

// `${VAR}` always yields text: numbers written that way arrive as "5000".
const numeric = (value: unknown) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value);
const int = (min: number, max: number) => z.preprocess(numeric, z.int().min(min).max(max));
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

const text = z.string().trim().min(1);
const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, `expected a ${what} name: letters, digits, "-" and "_", at most 64 characters`);
const sipStatus = int(400, 699);
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone like America/New_York');
const destinationTarget = z.string().trim().refine(isTransferTarget, transferTargetProblem);
const numberPattern = z.string().trim().refine(isNumberPattern, 'expected a number like +19195551234, or a prefix ending in * like +1900*');
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
const dateText = z.string().refine(isIsoDate, 'expected a date like 2026-12-25');

const refused = (field: string) =>
  z.undefined({ error: `SIP calls refuse ${field} (OpenAI answers 400 "Unknown parameter"): remove it` }).optional();
const refusedTurnFields = {
  threshold: refused('threshold'),
  prefixPaddingMs: refused('prefix_padding_ms'),
  prefix_padding_ms: refused('prefix_padding_ms'),
  silenceDurationMs: refused('silence_duration_ms'),
  silence_duration_ms: refused('silence_duration_ms'),
};

export const turnDetectionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('semantic_vad'),
      eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
      createResponse: bool.optional(),
      interruptResponse: bool.optional(),
      ...refusedTurnFields,
    }),
    z.strictObject({
      type: z.literal('server_vad'),
      createResponse: bool.optional(),
      interruptResponse: bool.optional(),
      idleTimeoutMs: int(5_000, 30_000).optional(),
      ...refusedTurnFields,
    }),
  ],
  { error: 'expected type semantic_vad or server_vad' },
);

const rangeText = z
  .string()
  .refine((v) => parseRange(v) !== null, 'expected a time range like 09:00-17:00 (24-hour clock; 22:00-02:00 runs past midnight)');
const dayHours = z
  .union([z.literal('closed'), rangeText, z.array(rangeText)])
  .transform((v) => (v === 'closed' ? [] : Array.isArray(v) ? v : [v]));

const closureSchema = z.union(
  [
    z.strictObject({ date: dateText, reason: text.optional() }),
    z
      .strictObject({ from: dateText, to: dateText, reason: text.optional() })
      .refine((c) => c.from <= c.to, { error: '"to" is before "from"', path: ['to'] }),
  ],
  { error: 'expected { date: 2026-12-25 } or { from: 2026-12-24, to: 2026-12-26 }, with an optional reason' },
);

export const scheduleSchema = z.strictObject({
  timeZone: timeZone.optional(),
  weekly: z.strictObject(
    Object.fromEntries(weekdayKeys.map((d) => [d, dayHours.optional()])) as Record<
      (typeof weekdayKeys)[number],
      z.ZodOptional<typeof dayHours>
    >,
  ),
  closed: z.array(closureSchema).default([]),
});

const idleSchema = z
  .strictObject({
    repromptAfterSeconds: int(1, 3_600).optional(),
    hangupAfterSeconds: int(1, 3_600).optional(),
    reprompt: text.optional(),
    goodbye: text.optional(),
  })
  .refine(
    (i) => i.repromptAfterSeconds !== undefined || i.hangupAfterSeconds !== undefined,
    'set repromptAfterSeconds, hangupAfterSeconds or both',
  )
  .refine(
    (i) => i.repromptAfterSeconds === undefined || i.hangupAfterSeconds === undefined || i.hangupAfterSeconds > i.repromptAfterSeconds,
    {
      error: 'must be longer than repromptAfterSeconds',
      path: ['hangupAfterSeconds'],
    },
  );

const destinationSchema = z.strictObject({
  to: destinationTarget,
  description: text,
  hours: name('schedule').optional(),
});

const contextHeaderSchema = z
  .strictObject({
    header: z.string().regex(/^(User-to-User|X-[A-Za-z0-9-]+)$/i, 'expected User-to-User or an X- header name like X-Transfer-Reason'),
    encoding: z.enum(['hex', 'base64', 'text']).optional(),
    value: text.default('{{callId}}|{{reason}}'),
    maxBytes: int(1, 1_024).default(128),
    purpose: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'expected a token like isdn-uui')
      .optional(),
  })
  .superRefine((h, ctx) => {
    const uui = h.header.toLowerCase() === 'user-to-user';
    if (uui && h.encoding === 'text')
      ctx.addIssue({ code: 'custom', path: ['encoding'], message: 'User-to-User needs hex or base64 (RFC 7433)' });
    if (!uui && h.purpose !== undefined)
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: 'purpose applies to User-to-User only' });
  })
  .transform((h) => ({ ...h, encoding: h.encoding ?? (h.header.toLowerCase() === 'user-to-user' ? ('hex' as const) : ('text' as const)) }));

const httpToolSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a tool name: letters, digits, "_" and "-", at most 64 characters'),
  description: text,
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {}, additionalProperties: false }),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  method: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(httpMethods)).default('POST'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name'), z.string()).default({}),
  timeoutMs: int(100, 60_000).optional(),
  maxResponseBytes: int(64, 1_048_576).optional(),
  /** Said while the request runs; on GPT-Live also `{ audio: file.wav }`, a clip played instead. */
  filler: z
    .union([text, z.strictObject({ audio: text })], { error: 'expected the words to say, or { audio: path/to/clip.wav } (GPT-Live only)' })
    .optional(),
  signingSecret: z.string().optional(),
});

const dtmfActionSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('transfer'), to: name('destination') }),
    z.strictObject({ action: z.literal('hangup') }),
    z.strictObject({ action: z.literal('say'), instructions: text }),
  ],
  { error: 'expected action transfer, hangup or say' },
);

const dtmfSchema = z.strictObject({
  interDigitMs: int(200, 10_000).default(1_200),
  keys: z.record(z.string().regex(/^[0-9*#A-D]$/, 'expected one key: 0-9, *, #, A-D'), dtmfActionSchema).default({}),
});

const analysisSchema = z.strictObject({
  summary: bool.default(true),
  fields: z.record(z.string(), z.unknown()).optional(),
  successCriteria: text.optional(),
  model: text.optional(),
});

const perMillion = z.preprocess(numeric, z.number().min(0).max(10_000));
const tokenPrices = z.strictObject({
  input: perMillion.optional(),
  cachedInput: perMillion.optional(),
  cacheWrite: perMillion.optional(),
  output: perMillion.optional(),
});
const modelPriceSchema = z
  .strictObject({
    text: tokenPrices.optional(),
    audio: tokenPrices.optional(),
    image: tokenPrices.optional(),
    perMinute: perMillion.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'give text, audio, image (dollars per 1M tokens) or perMinute (dollars per minute)');

export const agentSchema = z
  .strictObject({
    /** Which API serves this agent's calls: realtime (default: AGENT_SURFACE) or live. */
    surface: z.enum(surfaces, { error: 'expected realtime or live' }).optional(),
    model: text.optional(),
    voice: text.optional(),
    instructions: text.optional(),
    instructionsFile: text.optional(),
    greeting: text.optional(),
    timeZone: timeZone.optional(),
    transcription: z
      .strictObject({
        model: text.optional(),
        language: z
          .string()
          .regex(/^[a-z]{2}$/, 'expected an ISO-639-1 code like en')
          .optional(),
      })
      .optional(),
    turnDetection: turnDetectionSchema.optional(),
    maxCallSeconds: int(10, 3_600).optional(),
    idle: idleSchema.optional(),
    maxConcurrentCalls: int(1, 100_000).optional(),
    sipHeaders: z.array(z.string().regex(/^[A-Za-z0-9!%*_+`'~.-]+$/, 'expected a SIP header name like X-Account-Id')).default([]),
    transfers: z.record(name('destination'), destinationSchema).optional(),
    transferContext: z.array(contextHeaderSchema).default([]),
    endCall: bool.default(true),
    tools: z.array(httpToolSchema).default([]),
    dtmf: dtmfSchema.optional(),
    analysis: analysisSchema.optional(),
    /** GPT-Live: the Responses model that runs the tools, and its prompt (a template). */
    delegation: z.strictObject({ model: text.optional(), instructions: text.optional() }).optional(),
    /** GPT-Live: keep each call's recording (personal data: see the README). */
    recording: bool.optional(),
  })
  .refine((a) => !(a.instructions !== undefined && a.instructionsFile !== undefined), {
    error: 'set instructions or instructionsFile, not both',
    path: ['instructionsFile'],
  });

const afterHoursSchema = z.union([z.strictObject({ agent: name('agent') }), z.strictObject({ reject: sipStatus })], {
  error: 'expected { agent: <name> } or { reject: <SIP status> }',
});

const routeTarget = {
  agent: name('agent'),
  hours: name('schedule').optional(),
  afterHours: afterHoursSchema.optional(),
};

export const profilesFileSchema = z.strictObject({
  version: z.literal(1).default(1),
  business: z
    .strictObject({
      name: text.default('our business'),
      timeZone: timeZone.default('UTC'),
      locale: z.string().refine(isLocale, 'expected a locale like en-US').default('en-US'),
    })
    .prefault({}),
  carrier: z
    .strictObject({
      allowedHosts: z
        .array(
          z.string().superRefine((v, ctx) => {
            const r = checkAllowListEntry(v);
            if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
          }),
        )
        .optional(),
      fallbackHost: z
        .string()
        .refine((v) => parseHostPort(v) !== null, 'expected host or host:port, e.g. 67.231.5.176:5061')
        .optional(),
    })
    .prefault({}),
  limits: z.strictObject({ maxConcurrentCalls: int(1, 100_000).optional() }).prefault({}),
  screening: z
    .strictObject({
      block: z.strictObject({ callers: z.array(numberPattern), status: sipStatus.default(603) }).optional(),
      allow: z.strictObject({ callers: z.array(numberPattern), status: sipStatus.default(403) }).optional(),
      anonymous: z.strictObject({ reject: bool, status: sipStatus.default(433) }).optional(),
    })
    .prefault({}),
  schedules: z.record(name('schedule'), scheduleSchema).default({}),
  httpTools: z
    .strictObject({
      signingSecret: z.string().optional(),
      timeoutMs: int(100, 60_000).default(5_000),
      maxResponseBytes: int(64, 1_048_576).default(16_384),
      fillerMaxMs: int(0, 30_000).default(4_000),
    })
    .prefault({}),
  /** Model prices in dollars, over the built-in table (a model given here replaces its entry). */
  prices: z.record(z.string().min(1), modelPriceSchema).optional(),
  agents: z.record(name('agent'), agentSchema).refine((a) => Object.keys(a).length > 0, 'define at least one agent'),
  routing: z.strictObject({
    routes: z
      .array(
        z.strictObject({
          dialed: oneOrMany(numberPattern).optional(),
          callerPrefix: oneOrMany(numberPattern).optional(),
          ...routeTarget,
        }),
      )
      .default([]),
    default: z.strictObject(routeTarget).optional(),
    noRouteStatus: sipStatus.default(404),
  }),
});

export type ProfilesFile = z.output<typeof profilesFileSchema>;
export type AgentSpec = z.output<typeof agentSchema>;
export type ScheduleSpecInput = z.output<typeof scheduleSchema>;
export type HttpToolInput = z.output<typeof httpToolSchema>;
export type ContextHeaderInput = z.output<typeof contextHeaderSchema>;
