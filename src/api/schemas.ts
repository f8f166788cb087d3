// The operator API's shapes, once: requests are validated with them and /openapi.json is generated from them.
import { z } from 'zod';
import { analysisStatuses, type CallDetail, type CallPage, outcomes } from '../records/call-record.ts';
import { decodeCursor } from '../records/cursor.ts';
import { isTransferTarget, normalizePhoneNumber, transferTargetProblem } from '../sip/index.ts';

/** Schemas that appear in the OpenAPI document under #/components/schemas. */
export const apiRegistry = z.registry<{ id: string; description?: string }>();

// In a query string an unencoded "+" arrives as a space: " 1919…" means "+1919…".
const phoneParam = (what: string) =>
  z
    .string()
    .transform((v) => v.replace(/^ (?=\d)/, '+').trim())
    .pipe(z.string().refine((v) => normalizePhoneNumber(v) !== null, { error: `expected the ${what} number, e.g. +19195551234` }))
    .transform((v) => normalizePhoneNumber(v) ?? v)
    .meta({ description: `The ${what} number as E.164, e.g. +19195551234 (encode + as %2B)` });

export const listCallsQuery = z
  .object({
    caller: phoneParam('caller’s').optional(),
    dialed: phoneParam('dialed').optional(),
    outcome: z.enum(outcomes, { error: `expected one of ${outcomes.join(', ')}` }).optional(),
    from: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2025-06-01T00:00:00Z' })
      .optional()
      .meta({ description: 'Calls that started at or after this time.' }),
    to: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2025-06-02T00:00:00Z' })
      .optional()
      .meta({ description: 'Calls that started before this time.' }),
    q: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'at most 200 characters')
      .optional()
      .meta({ description: 'Text that appears in the transcript (case-insensitive).' }),
    limit: z.coerce
      .number({ error: 'expected a number from 1 to 200' })
      .int('expected a whole number')
      .min(1, 'at least 1')
      .max(200, 'at most 200')
      .default(50),
    cursor: z
      .string()
      .refine((v) => decodeCursor(v) !== null, { error: 'not a cursor from this API: use nextCursor as given' })
      .optional()
      .meta({ description: 'nextCursor from the previous page.' }),
    success: z
      .enum(['true', 'false'], { error: 'expected true or false' })
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: "The analysis' success verdict (calls not analysed, or without success criteria, match neither)." }),
    analysis: z
      .enum(analysisStatuses, { error: `expected one of ${analysisStatuses.join(', ')}` })
      .optional()
      .meta({ description: 'Where the post-call analysis is: pending, done or failed.' }),
    format: z
      .enum(['json', 'csv'], { error: 'expected json or csv' })
      .default('json')
      .meta({ description: 'csv: the matching calls as a CSV file (up to 10,000 rows, no paging), like GET /api/calls.csv.' }),
  })
  .strict();

/** `field.<name>[.<name>…]=value` filters on the analysis' extracted fields; they are taken out of the query before the rest is validated. */
export const fieldParamPattern = /^field\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,4})$/;

export const callIdParams = z.object({ id: z.string().min(1).max(256) });

export const eventsQuery = z.object({
  after: z.coerce
    .number({ error: 'expected a sequence number' })
    .int()
    .min(0)
    .optional()
    .meta({ description: 'Send only events after this sequence number (like the Last-Event-ID header).' }),
});

export const transferBody = z
  .object({
    target: z
      .string({ error: 'required: a phone number (+E.164) or a sip: URI' })
      .trim()
      .refine(isTransferTarget, { error: transferTargetProblem }),
  })
  .strict()
  .register(apiRegistry, { id: 'TransferRequest' });

export const dtmfBody = z
  .object({
    digits: z
      .string({ error: 'required: the keys to send, e.g. "1234#"' })
      .regex(/^[0-9A-D*#]{1,32}$/, { error: 'expected 1 to 32 keypad keys: 0-9, *, #, A-D' }),
  })
  .strict()
  .register(apiRegistry, { id: 'DtmfRequest' });

export const sayBody = z
  .object({
    text: z
      .string({ error: 'required: what the agent should say or do' })
      .trim()
      .min(1, 'must not be empty')
      .max(2000, 'at most 2000 characters'),
  })
  .strict()
  .register(apiRegistry, { id: 'SayRequest' });

const iso = z.iso.datetime();
const sipHeader = z.object({ name: z.string(), value: z.string() });

const tokenCount = z.number().int().min(0);

export const usageDetailSchema = z
  .object({
    realtime: z
      .object({
        textIn: tokenCount,
        cachedTextIn: tokenCount,
        audioIn: tokenCount,
        cachedAudioIn: tokenCount,
        imageIn: tokenCount,
        cachedImageIn: tokenCount,
        textOut: tokenCount,
        audioOut: tokenCount,
      })
      .meta({ description: 'Realtime model tokens; the …In counts exclude cached tokens.' }),
    transcription: z.object({ textIn: tokenCount, audioIn: tokenCount, out: tokenCount, seconds: z.number().min(0) }),
    liveSeconds: z.number().min(0).meta({ description: "GPT-Live: the session's audio seconds." }),
  })
  .register(apiRegistry, { id: 'UsageDetail', description: 'Usage in the units it is billed in.' });

export const callCostSchema = z
  .object({
    totalUsd: z.number(),
    realtimeUsd: z.number(),
    transcriptionUsd: z.number(),
    liveUsd: z.number(),
    analysisUsd: z.number(),
    unpriced: z.array(z.string()).meta({ description: 'Models used that the price table has no price for (counted as 0).' }),
    pricesCheckedOn: z.string().meta({ description: 'When the price table was checked.' }),
  })
  .register(apiRegistry, { id: 'CallCost', description: 'The call in US dollars, from the price table.' });

export const callAnalysisSchema = z
  .object({
    status: z.enum(analysisStatuses),
    model: z.string(),
    attempts: z.number().int(),
    summary: z.string().nullable(),
    success: z.boolean().nullable(),
    fields: z.record(z.string(), z.unknown()).nullable(),
    tokens: z
      .object({ inputTokens: tokenCount, cachedTokens: tokenCount, cacheWriteTokens: tokenCount, outputTokens: tokenCount })
      .nullable(),
    costUsd: z.number().nullable(),
    error: z.string().nullable(),
    requestedAt: iso,
    completedAt: iso.nullable(),
    nextAttemptAt: iso.nullable(),
  })
  .register(apiRegistry, { id: 'CallAnalysis', description: 'The post-call analysis: summary, extracted fields and success verdict.' });

export const callRecordSchema = z
  .object({
    callId: z.string(),
    caller: z.string().nullable(),
    dialed: z.string().nullable(),
    sipCallId: z.string().nullable(),
    sipHeaders: z.array(sipHeader),
    profile: z.string().nullable(),
    surface: z.enum(['realtime', 'live']).meta({ description: 'The API that served the call: callId is its id there (rtc_… or live_…).' }),
    recording: z.boolean().meta({ description: 'GPT-Live: the call was stored for its recording (see recordingUrl in the detail).' }),
    outcome: z.enum(outcomes),
    endReason: z.string().nullable(),
    startedAt: iso,
    acceptedAt: iso.nullable(),
    connectedAt: iso.nullable(),
    endedAt: iso.nullable(),
    answerMs: z.number().nullable(),
    transfer: z
      .object({
        target: z.string(),
        status: z.enum(['requested', 'referred', 'failed']),
        error: z.string().nullable(),
        durationMs: z.number().nullable(),
        at: iso,
        reason: z.string().nullable().optional().meta({ description: "The transfer_call tool's reason; keypad for a key press." }),
        destination: z.string().nullable().optional(),
      })
      .nullable(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }),
    tools: z.array(
      z.object({
        toolCallId: z.string(),
        name: z.string(),
        arguments: z.string(),
        output: z.unknown(),
        error: z.string().nullable(),
        durationMs: z.number().nullable(),
        at: iso,
      }),
    ),
    errors: z.array(z.object({ at: iso, message: z.string(), code: z.string().nullable() })),
    reconnects: z.number().int(),
    updatedAt: iso,
    owner: z.string().nullable().meta({
      description: 'The instance that controls the call (with several instances, the one holding it now), or last controlled it.',
    }),
    model: z.string().nullable().optional().meta({ description: 'The realtime (or GPT-Live) model the call was accepted with.' }),
    transcriptionModel: z.string().nullable().optional(),
    usageDetail: usageDetailSchema.optional(),
    cost: callCostSchema.nullable().optional(),
    analysis: callAnalysisSchema.nullable().optional(),
  })
  .register(apiRegistry, { id: 'CallRecord' });

export const transcriptTurnSchema = z
  .object({
    seq: z.number().int(),
    speaker: z.enum(['caller', 'agent']),
    text: z.string(),
    at: iso,
    itemId: z.string().nullable(),
    interrupted: z.boolean().meta({ description: 'The caller cut this agent turn off; not all of the text was heard.' }),
  })
  .register(apiRegistry, { id: 'TranscriptTurn' });

export const timelineEntrySchema = z
  .object({ seq: z.number().int(), at: iso, type: z.string(), data: z.record(z.string(), z.unknown()) })
  .register(apiRegistry, { id: 'TimelineEntry' });

export const callDetailSchema = callRecordSchema
  .extend({
    transcript: z.array(transcriptTurnSchema),
    timeline: z.array(timelineEntrySchema),
    live: z.boolean(),
    recordingUrl: z.string().nullable().meta({
      description: 'GPT-Live: a signed link to the call recording (WAV, Range requests), valid for an hour; null when there is none (yet).',
    }),
  })
  .register(apiRegistry, { id: 'CallDetail' });

export const callPageSchema = z
  .object({ calls: z.array(callRecordSchema), nextCursor: z.string().nullable() })
  .register(apiRegistry, { id: 'CallPage' });

export const errorSchema = z
  .object({ error: z.string(), message: z.string(), field: z.string().optional() })
  .register(apiRegistry, { id: 'Error' });

// The documented shapes and the stored ones must not drift apart.
const _detailMatches: z.infer<typeof callDetailSchema> = {} as CallDetail & { live: boolean; recordingUrl: string | null };
const _pageMatches: z.infer<typeof callPageSchema> = {} as CallPage;
void _detailMatches;
void _pageMatches;
