import { z } from 'zod';
import { planBody } from './plan-routes.ts'; // and registers PlanPreview
import { apiRegistry, eventsQuery, listCallsQuery } from './schemas.ts';
import { statsQuery } from './stats-schemas.ts';

type Json = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);

function strip(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** Each property of an object schema becomes one query parameter. */
function queryParameters(schema: z.ZodType): Json[] {
  const s = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: 'query', required: s.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

const fieldParameter = {
  name: 'field.{name}',
  in: 'query',
  required: false,
  description:
    'Filters on a field the post-call analysis extracted: `field.resolved=true`, `field.orderNumber=A-1234`, nested `field.customer.tier=gold` (names: letters, digits, _; up to 5 levels). The value matches the JSON value it reads as (true, 42, null) or the same text as a string. Several are combined with AND.',
  schema: { type: 'string' },
};

const idParam = { name: 'id', in: 'path', required: true, description: 'The call id (rtc_…).', schema: { type: 'string' } };
const common = { '401': error('Missing or wrong API token.') };
const check = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    step: { type: 'string' },
    title: { type: 'string' },
    status: { enum: ['pass', 'warn', 'fail', 'skip', 'info'] },
    message: { type: 'string' },
    fix: { type: ['string', 'null'] },
  },
};
const checksRun = {
  type: 'object',
  properties: { ranAt: { type: ['string', 'null'] }, ok: { type: ['boolean', 'null'] }, checks: { type: ['array', 'null'], items: check } },
};

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests. */
export function buildOpenApi(opts: { version: string }): Json {
  const components = z.toJSONSchema(apiRegistry, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(Object.entries(components.schemas).map(([id, s]) => [id, strip(s)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard operator API',
      version: opts.version,
      description:
        'Call records and transcripts, live call events, and steering of live calls. Every endpoint needs `Authorization: Bearer <API_TOKEN>`.',
    },
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/api/calls': {
        get: {
          summary: 'List calls, newest first',
          parameters: [...queryParameters(listCallsQuery), fieldParameter],
          responses: {
            '200': {
              description:
                'A page of calls; pass nextCursor as cursor for the next one. With format=csv: every matching call as CSV (see /api/calls.csv).',
              content: { 'application/json': { schema: ref('CallPage') }, 'text/csv': { schema: { type: 'string' } } },
            },
            '400': error('A parameter is invalid; `field` names it.'),
            ...common,
          },
        },
      },
      '/api/calls.csv': {
        get: {
          summary: 'The calls matching the filters, as CSV',
          description: `The same filters as GET /api/calls (cursor and limit aside). Every match, newest first, up to 10,000 rows: one row a call (id, times, caller, dialed, profile, outcome, end reason, duration, answer time, transfer target and reason, cost, analysis status, success, summary), then one column per extracted field (\`field.<name>\`, nested ones dotted). \`x-truncated: true\` says when there were more. Cells a spreadsheet would run as a formula start with a quote.`,
          parameters: [
            ...queryParameters(listCallsQuery).filter((p) => !['cursor', 'limit', 'format'].includes(String(p.name))),
            fieldParameter,
          ],
          responses: {
            '200': {
              description: 'The CSV file (RFC 4180, CRLF line ends, UTF-8).',
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
            '400': error('A parameter is invalid; `field` names it.'),
            ...common,
          },
        },
      },
      '/api/stats': {
        get: {
          summary: 'The overview of a time range',
          description:
            'Calls per bucket by outcome, answer-time p50/p95, the transfer rate and top transfer reasons, average duration and cost, analysis verdicts, and the busiest numbers and profiles: computed by the database.',
          parameters: queryParameters(statsQuery),
          responses: {
            '200': json(ref('CallStats'), 'The figures.'),
            '400': error('A parameter is invalid; `field` names it.'),
            ...common,
          },
        },
      },
      '/api/plan': {
        post: {
          summary: 'Preview what the server would do with a call',
          description:
            'Runs the live path’s own header parsing, screening, routing, opening hours and agent on the profile file in force (or the environment’s agent), without a call: nothing is reserved or sent. The same as `switchboard plan`.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: strip(z.toJSONSchema(planBody, { io: 'input' }) as Json) } },
          },
          responses: {
            '200': json(ref('PlanPreview'), 'The verdict, the route, the hours, the agent and the exact accept body.'),
            '400': error('The body is invalid; `field` names it.'),
            ...common,
          },
        },
      },
      '/api/calls/{id}': {
        get: {
          summary: 'One call with its transcript and timeline',
          parameters: [idParam],
          responses: { '200': json(ref('CallDetail'), 'The call.'), '404': error('No such call.'), ...common },
        },
      },
      '/api/calls/{id}/events': {
        get: {
          summary: "A call's events as Server-Sent Events",
          description:
            'Replays the call so far, then streams each event as it happens (`event:` is the event type, `id:` its sequence number, `data:` a TimelineEntry with callId), then an `end` event with the outcome, and closes. Reconnect with Last-Event-ID to resume.',
          parameters: [
            idParam,
            ...queryParameters(eventsQuery),
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer' } },
          ],
          responses: {
            '200': { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '404': error('No such call.'),
            ...common,
          },
        },
      },
      '/api/calls/{id}/transfer': {
        post: {
          summary: 'Transfer a live call (SIP REFER)',
          description: 'A number goes to sip:{number}@{the carrier edge from the INVITE Contact}; a sip: URI is used as it is.',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('TransferRequest') } } },
          responses: {
            '200': json(
              { type: 'object', properties: { callId: { type: 'string' }, status: { const: 'transferring' }, target: { type: 'string' } } },
              'The REFER was handed to the carrier.',
            ),
            '400': error('The body is invalid; `field` names it.'),
            '404': error('The call is not live (on any instance).'),
            '503': error('The instance that held the call is gone and another is taking it over: retry (Retry-After).'),
            '504': error('The instance that holds the call did not answer in time.'),
            '422': error('No SIP host to transfer to, or an unusable target.'),
            '502': error('The REFER request failed.'),
            ...common,
          },
        },
      },
      '/api/calls/{id}/hangup': {
        post: {
          summary: 'Hang up a live call',
          parameters: [idParam],
          responses: {
            '200': json({ type: 'object', properties: { callId: { type: 'string' }, status: { const: 'ended' } } }, 'Hung up.'),
            '404': error('The call is not live (on any instance).'),
            '503': error('The instance that held the call is gone and another is taking it over: retry (Retry-After).'),
            '504': error('The instance that holds the call did not answer in time.'),
            ...common,
          },
        },
      },
      '/api/setup/checks': {
        post: {
          summary: 'Run the set-up checks (switchboard doctor, run by this server)',
          description:
            'API key, models, the webhook endpoint at PUBLIC_URL, a test delivery from OpenAI arriving here, the signing secret, the profile file and the store: each with a status (pass, warn, fail, skip, info), a message and a fix. Sends OpenAI one test webhook; concurrent requests share one run.',
          responses: { '200': json(checksRun, 'The run.'), ...common },
        },
        get: {
          summary: 'The last run of the set-up checks',
          responses: { '200': json(checksRun, 'The last run; all fields null before the first.'), ...common },
        },
      },
      '/api/setup/deliveries': {
        get: {
          summary: 'The last webhook deliveries that reached this server (no bodies)',
          description:
            'What `switchboard doctor` reads to see its test delivery arrive: sequence number, time, webhook-id, event type (verified bodies only), verified or why refused, which secret verified it; and fingerprints of the secrets this server verifies with.',
          parameters: [
            {
              name: 'after',
              in: 'query',
              required: false,
              description: 'Only deliveries after this sequence number.',
              schema: { type: 'integer', minimum: 0 },
            },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  lastSeq: { type: 'integer' },
                  deliveries: { type: 'array', items: { type: 'object' } },
                  secrets: { type: 'object' },
                },
              },
              'The deliveries.',
            ),
            '400': error('`after` is not a whole number.'),
            ...common,
          },
        },
      },
      '/api/calls/{id}/dtmf': {
        post: {
          summary: 'Send keypad tones on a live GPT-Live call',
          description:
            "One tone per key, to the caller's side of the call (e.g. an IVR after a transfer). Realtime SIP cannot send DTMF: such calls answer 409.",
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('DtmfRequest') } } },
          responses: {
            '202': json(
              { type: 'object', properties: { callId: { type: 'string' }, status: { const: 'sent' }, digits: { type: 'string' } } },
              'The tones were sent.',
            ),
            '400': error('The body is invalid; `field` names it.'),
            '404': error('The call is not live on this instance.'),
            '409': error('The call is on Realtime, which cannot send keypad tones (dtmf_unsupported).'),
            '503': error('The control connection is down for a moment (control_unavailable); retry.'),
            ...common,
          },
        },
      },
      '/api/calls/{id}/recording': {
        get: {
          summary: "A GPT-Live call's recording (WAV, stereo: caller left, agent right)",
          description:
            'For calls of agents with recording on, downloaded after the call ends. Range requests are answered with 206. Authorised by the API token, or by the expires and signature of the signed link that the call detail gives as recordingUrl (what an audio element can use).',
          parameters: [
            idParam,
            { name: 'expires', in: 'query', required: false, schema: { type: 'integer' } },
            { name: 'signature', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'The whole recording.', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
            '206': { description: 'The requested byte range.', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
            '404': error('No recording of this call (not recorded, or not downloaded yet).'),
            '416': { description: 'The range is outside the recording.' },
            ...common,
          },
        },
      },
      '/api/calls/{id}/say': {
        post: {
          summary: "Give the agent a supervisor's instruction",
          description: 'Added to the conversation as a system message; the agent responds to it at once (says it or acts on it).',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SayRequest') } } },
          responses: {
            '202': json(
              { type: 'object', properties: { callId: { type: 'string' }, status: { const: 'instructed' } } },
              'Sent to the agent.',
            ),
            '400': error('The body is invalid; `field` names it.'),
            '404': error('The call is not live (on any instance).'),
            '503': error('The instance that held the call is gone and another is taking it over: retry (Retry-After).'),
            '504': error('The instance that holds the call did not answer in time.'),
            ...common,
          },
        },
      },
    },
  };
}
