import type { FastifyRequest } from 'fastify';

/** The route pattern (`/api/calls/:id`) for logs, never the query: it may carry a phone number. */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? req.url.split('?')[0] ?? '';
}
