// POST /v1/responses: text or strict structured output, derived from the input
// deterministically, with usage, answered like OpenAI's Responses API.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Response, ResponseUsage } from 'openai/resources/responses/responses';
import type { Clock } from '../time/clock.ts';
import { checkBearer } from './auth.ts';
import type { RestRequest } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { type ApiFailure, apiFailure, invalidJson, serviceFault } from './errors.ts';
import { newItemId, newRequestId, randomHex } from './ids.ts';
import type { EmulatorLogger } from './logger.ts';
import { readTranscript, structuredValue } from './structured-output.ts';
import { type ResponsesRequest, validateResponsesRequest } from './validate-responses.ts';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface ResponsesRouteDeps {
  apiKey: string;
  calls: ReadonlyMap<string, LiveCall>;
  clock: Clock;
  logger: EmulatorLogger;
}

/** Models the Responses API knows here; others get OpenAI's 404. */
const knownModel = /^(gpt-[0-9]|o[0-9]|chatgpt-|codex-)/;
const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function usage(req: ResponsesRequest, output: string): ResponseUsage {
  const input = tokensOf(`${req.instructions ?? ''}${req.input}`);
  const out = tokensOf(output);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: out,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + out,
  };
}

function answerText(req: ResponsesRequest): string {
  const transcript = readTranscript(req.input);
  if (req.format.type === 'json_schema') return JSON.stringify(structuredValue(req.format.schema, transcript));
  if (req.format.type === 'json_object') return JSON.stringify({ summary: structuredValue({ type: 'string' }, transcript, 'summary') });
  return String(structuredValue({ type: 'string' }, transcript, 'summary'));
}

function responseBody(req: ResponsesRequest, text: string, createdAt: number): Omit<Response, 'output_text'> {
  return {
    id: `resp_${randomHex(24)}`,
    object: 'response',
    created_at: Math.floor(createdAt / 1000),
    completed_at: Math.floor(createdAt / 1000),
    status: 'completed',
    access_programs: null,
    error: null,
    incomplete_details: null,
    instructions: req.instructions,
    metadata: req.metadata,
    model: req.model,
    output: [
      {
        id: `msg_${newItemId().slice(5)}`,
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    text: {
      format:
        req.format.type === 'json_schema'
          ? { type: 'json_schema', name: req.format.name, schema: req.format.schema, strict: req.format.strict }
          : { type: req.format.type },
    },
    usage: usage(req, text),
  };
}

export function registerResponsesRoute(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);

  app.post('/v1/responses', async (req, reply) => {
    const send = (status: number, body: unknown, failure?: ApiFailure): FastifyReply => {
      reply.header('x-request-id', newRequestId()).header('openai-processing-ms', '40');
      return failure
        ? reply.code(failure.status).type('application/json').send(JSON.stringify(failure.body))
        : reply.code(status).send(body);
    };
    const unauthorized = checkBearer(req.headers.authorization, deps.apiKey);
    if (unauthorized) return send(0, null, unauthorized);
    let body: unknown;
    try {
      body = typeof req.body === 'string' && req.body.trim() !== '' ? JSON.parse(req.body) : undefined;
    } catch {
      return send(0, null, invalidJson());
    }
    const checked = validateResponsesRequest(body);
    // The call this analysis is about, when the emulator placed it: its scenario's faults apply and it is recorded there.
    const callId = checked.ok ? checked.value.metadata.switchboard_call_id : undefined;
    const call = callId ? deps.calls.get(callId) : undefined;
    const entry: RestRequest = { receivedAt: deps.clock.now(), body };
    call?.record.analyses.push(entry);
    const answer = (status: number, out: unknown, failure?: ApiFailure): FastifyReply => {
      entry.status = failure?.status ?? status;
      entry.answeredAt = deps.clock.now();
      if (failure) entry.error = { code: failure.body.error.code, message: failure.body.error.message, param: failure.body.error.param };
      call?.note(
        'analysis',
        `POST /v1/responses → ${entry.status}${failure ? ` ${failure.body.error.code ?? failure.body.error.type}` : ''}`,
        entry.receivedAt,
      );
      deps.logger.info({ callId: callId ?? null, status: entry.status }, 'responses request');
      return send(status, out, failure);
    };
    if (!checked.ok) return answer(0, null, checked.failure);
    const request = checked.value;
    if (!knownModel.test(request.model)) {
      return answer(
        0,
        null,
        apiFailure(404, `The model \`${request.model}\` does not exist or you do not have access to it.`, { code: 'model_not_found' }),
      );
    }
    const fault = call?.scenario.faults.responsesStatuses[call.record.analyses.indexOf(entry)];
    if (fault !== undefined) return answer(0, null, serviceFault(fault));
    const text = answerText(request);
    if (request.format.type === 'json_schema') {
      // Strict structured output is a guarantee: never answer what the schema refuses.
      const valid = ajv.validate(request.format.schema, JSON.parse(text));
      if (!valid)
        return answer(
          0,
          null,
          apiFailure(500, `The emulator could not fit the schema: ${ajv.errorsText(ajv.errors)}`, { type: 'server_error' }),
        );
    }
    return answer(200, responseBody(request, text, deps.clock.epochMs()));
  });
}
