import type { FastifyInstance } from 'fastify';
import type { CallStats, StatsQuery } from '../stats/call-stats.ts';
import { statsQuery } from './stats-schemas.ts';
import { validate } from './validate.ts';

/** GET /api/stats: the overview's figures, from one query set against the store. */
export function registerStatsRoutes(app: FastifyInstance, deps: { stats: (query: StatsQuery) => Promise<CallStats> }): void {
  app.get('/stats', async (req, reply) => {
    const q = validate(statsQuery, req.query, reply, 'query');
    if (!q) return reply;
    return reply.send(await deps.stats(q));
  });
}
