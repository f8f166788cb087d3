// /v1/webhook_endpoints[/…] and /v1/webhook_event_types, the paths client.webhooks.* calls.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBearer } from './auth.ts';
import { type ApiFailure, invalidJson } from './errors.ts';
import { newRequestId } from './ids.ts';
import type { Answer, WebhookEndpoints } from './webhook-endpoints.ts';

export interface WebhookEndpointsRoutesDeps {
  apiKey: string;
  endpoints: WebhookEndpoints;
}

function sendFailure(reply: FastifyReply, failure: ApiFailure): FastifyReply {
  return reply.code(failure.status).type('application/json').send(JSON.stringify(failure.body));
}

function sendAnswer<T>(reply: FastifyReply, answer: Answer<T>): FastifyReply {
  return answer.ok ? reply.code(answer.status).send(answer.body) : sendFailure(reply, answer.failure);
}

/** Bodies arrive as raw text (the REST routes' parser): malformed JSON gets OpenAI's 400. */
function jsonBody(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

export function registerWebhookEndpointsRoutes(app: FastifyInstance, deps: WebhookEndpointsRoutesDeps): void {
  const { endpoints } = deps;
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    reply.header('x-request-id', newRequestId());
    const unauthorized = checkBearer(req.headers.authorization, deps.apiKey);
    if (unauthorized) sendFailure(reply, unauthorized);
    return unauthorized === undefined;
  };
  type IdRequest = FastifyRequest<{ Params: { id: string } }>;
  const withBody = (req: FastifyRequest, reply: FastifyReply, run: (body: unknown) => Answer<unknown> | Promise<Answer<unknown>>) => {
    const body = jsonBody(req.body);
    if (!body.ok) return sendFailure(reply, invalidJson());
    return Promise.resolve(run(body.value)).then((answer) => sendAnswer(reply, answer));
  };

  app.get('/v1/webhook_event_types', async (req, reply) => (guard(req, reply) ? reply.send(endpoints.eventTypes()) : reply));
  app.post('/v1/webhook_endpoints', async (req, reply) => (guard(req, reply) ? withBody(req, reply, (b) => endpoints.create(b)) : reply));
  app.get<{ Querystring: Record<string, unknown> }>('/v1/webhook_endpoints', async (req, reply) =>
    guard(req, reply) ? sendAnswer(reply, endpoints.list(req.query)) : reply,
  );
  app.get('/v1/webhook_endpoints/:id', async (req: IdRequest, reply) =>
    guard(req, reply) ? sendAnswer(reply, endpoints.retrieve(req.params.id)) : reply,
  );
  app.post('/v1/webhook_endpoints/:id', async (req: IdRequest, reply) =>
    guard(req, reply) ? withBody(req, reply, (b) => endpoints.update(req.params.id, b)) : reply,
  );
  app.delete('/v1/webhook_endpoints/:id', async (req: IdRequest, reply) =>
    guard(req, reply) ? sendAnswer(reply, endpoints.delete(req.params.id)) : reply,
  );
  app.post('/v1/webhook_endpoints/:id/rotate_secret', async (req: IdRequest, reply) =>
    guard(req, reply) ? withBody(req, reply, (b) => endpoints.rotateSecret(req.params.id, b)) : reply,
  );
  app.post('/v1/webhook_endpoints/:id/test', async (req: IdRequest, reply) =>
    guard(req, reply) ? withBody(req, reply, (b) => endpoints.test(req.params.id, b)) : reply,
  );
}
