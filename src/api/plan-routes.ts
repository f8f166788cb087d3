// POST /api/plan: the routing preview of `switchboard plan`, from the profile file in force.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorBody } from '../errors.ts';
import { surfaces } from '../openai/surface.ts';
import { parseAt } from '../plan/local-time.ts';
import { type PlanPreview, type PreviewSource, previewCall } from '../plan/preview-call.ts';
import { normalizePhoneNumber } from '../sip/index.ts';
import { apiRegistry } from './schemas.ts';
import { validate } from './validate.ts';

const phone = (what: string) =>
  z
    .string({ error: `required: the ${what} number, e.g. +19195551234` })
    .trim()
    .refine((v) => normalizePhoneNumber(v) !== null, { error: `expected the ${what} number, e.g. +19195551234` })
    .transform((v) => normalizePhoneNumber(v) ?? v);

const headerName = z.string().regex(/^[A-Za-z0-9!%*_+`'~.-]+$/, 'expected a SIP header name like X-Account-Id');

export const planBody = z
  .object({
    from: z
      .union([z.literal('anonymous').transform(() => null), z.null(), phone('caller’s')])
      .meta({ description: 'The caller, E.164; null or "anonymous" for a caller without a number.' }),
    to: phone('dialed').meta({ description: 'The number dialed, E.164.' }),
    at: z.string().trim().min(1).optional().meta({
      description:
        "When: 2026-12-24T10:00 in the profile file's business.timeZone, or an ISO 8601 instant with Z or an offset. Default: now.",
    }),
    headers: z
      .union([z.record(headerName, z.string().max(1000)), z.array(z.strictObject({ name: headerName, value: z.string().max(1000) }))])
      .optional()
      .meta({ description: 'More INVITE headers, e.g. {"X-Account-Id": "42"}.' }),
  })
  .strict();

// The answer's shape is PlanPreview (src/plan/preview-call.ts), documented loosely: the accept body is the SDK's CallAcceptParams.
export const planPreviewSchema = z
  .object({
    call: z.object({
      from: z.string().nullable(),
      to: z.string(),
      at: z.string(),
      localTime: z.string(),
      timeZone: z.string(),
      sipHeaders: z.array(z.object({ name: z.string(), value: z.string() })),
    }),
    parsed: z.object({ caller: z.string().nullable(), dialed: z.string().nullable() }),
    screening: z.object({ verdict: z.enum(['passed', 'rejected']), reason: z.string().nullable() }),
    route: z.object({ name: z.string().nullable(), afterHours: z.boolean() }),
    hours: z
      .object({
        schedule: z.string().nullable(),
        open: z.boolean().nullable(),
        closure: z.string().nullable(),
        nextOpening: z.string().nullable(),
        afterHours: z.string().nullable(),
      })
      .nullable(),
    agent: z.string().nullable(),
    decision: z.object({ kind: z.enum(['accept', 'reject']), statusCode: z.number().int().nullable(), reason: z.string().nullable() }),
    caps: z
      .object({
        overall: z.number().nullable(),
        agent: z.number().nullable(),
        liveOverall: z.number().nullable(),
        liveAgent: z.number().nullable(),
        wouldBeBusy: z.boolean(),
      })
      .nullable(),
    greeting: z.string().nullable(),
    tools: z.array(z.object({ name: z.string(), description: z.string() })),
    surface: z
      .enum(surfaces)
      .nullable()
      .meta({ description: 'The API the agent is accepted on (realtime or live); null when the call is refused.' }),
    acceptBody: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Realtime: exactly what POST /v1/realtime/calls/{call_id}/accept would carry.' }),
    liveAcceptBody: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'GPT-Live: exactly what POST /v1/live/sessions/{session_id}/accept would carry.' }),
  })
  .register(apiRegistry, { id: 'PlanPreview', description: 'What the server would do with the call.' });

const _previewMatches: Omit<z.infer<typeof planPreviewSchema>, 'acceptBody' | 'liveAcceptBody'> = {} as Omit<
  PlanPreview,
  'acceptBody' | 'liveAcceptBody'
>;
void _previewMatches;

export function registerPlanRoutes(app: FastifyInstance, deps: { preview: () => PreviewSource }): void {
  app.post('/plan', async (req, reply) => {
    const body = validate(planBody, req.body, reply, 'body');
    if (!body) return reply;
    const source = deps.preview();
    const at = body.at === undefined ? Date.now() : parseAt(body.at, source.timeZone);
    if (at === null) {
      const message = `at: expected a time like 2026-12-24T10:00 (in ${source.timeZone}) or 2026-12-24T15:00:00Z`;
      return reply.code(400).send(errorBody('invalid_request', message, { field: 'at' }));
    }
    const headers =
      body.headers === undefined
        ? []
        : Array.isArray(body.headers)
          ? body.headers
          : Object.entries(body.headers).map(([name, value]) => ({ name, value }));
    return reply.send(previewCall({ from: body.from, to: body.to, at, headers }, source));
  });
}
