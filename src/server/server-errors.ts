import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { routeOf } from './route-of.ts';

/**
 * Every 5xx is logged (request logging is off): a thrown error with its stack, any other
 * 5xx answer with its status. 4xx answers keep Fastify's own shape and say what was wrong.
 */
export function logServerErrors(app: FastifyInstance, log: Logger): void {
  const thrown = new WeakSet<FastifyRequest>();
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode <= 599 ? err.statusCode : 500;
    if (status < 500) return reply.send(err);
    thrown.add(req);
    log.error({ method: req.method, route: routeOf(req), status, err }, 'request failed');
    return reply.code(status).send(errorBody('internal'));
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500 && !thrown.has(req))
      log.warn({ method: req.method, route: routeOf(req), status: reply.statusCode }, 'answered with a server error');
  });
}
