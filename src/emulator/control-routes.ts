// The emulator's own endpoints (not OpenAI's): place calls and read their timelines over HTTP.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isSwitchboardError } from '../errors.ts';
import type { CallRecord } from './call-record.ts';
import type { ScenarioExpect, ScenarioInput } from './scenario.ts';

export interface ControlRoutesDeps {
  placeCall(scenario: ScenarioInput | undefined, opts: { duplicates?: number }): Promise<{ id: string; webhookId: string }>;
  call(callId: string): CallRecord | undefined;
  calls(): CallRecord[];
  timeline(callId: string): string;
  check(callId: string, expect: ScenarioExpect): string[];
  expectOf(callId: string): ScenarioExpect | undefined;
}

const problem = (reply: FastifyReply, status: number, message: string, code: string | null = null): FastifyReply =>
  reply
    .code(status)
    .type('application/json')
    .send(JSON.stringify({ error: { message, type: 'emulator_error', param: null, code } }));

export function registerControlRoutes(app: FastifyInstance, deps: ControlRoutesDeps): void {
  app.post<{ Querystring: { duplicates?: string } }>('/emulator/calls', async (req, reply) => {
    let scenario: unknown;
    try {
      scenario = typeof req.body === 'string' && req.body.trim() ? JSON.parse(req.body) : undefined;
    } catch {
      return problem(reply, 400, 'the body must be a JSON scenario');
    }
    const duplicates = req.query.duplicates === undefined ? undefined : Number(req.query.duplicates);
    if (duplicates !== undefined && (!Number.isInteger(duplicates) || duplicates < 1 || duplicates > 100)) {
      return problem(reply, 400, 'duplicates must be an integer from 1 to 100');
    }
    try {
      const placed = await deps.placeCall(scenario as ScenarioInput | undefined, duplicates ? { duplicates } : {});
      return reply.code(201).send({ id: placed.id, webhookId: placed.webhookId, timeline: `/emulator/calls/${placed.id}/timeline` });
    } catch (err) {
      if (isSwitchboardError(err, 'SB_EMULATOR_SCENARIO')) return problem(reply, 400, err.message, err.code);
      return problem(reply, 409, err instanceof Error ? err.message : String(err));
    }
  });

  app.get('/emulator/calls', async () =>
    deps.calls().map((r) => ({ id: r.id, scenario: r.scenarioName, state: r.state, endedBy: r.endedBy ?? null })),
  );

  app.get<{ Params: { id: string } }>('/emulator/calls/:id', async (req, reply) => {
    const record = deps.call(req.params.id);
    return record ? reply.send(record) : problem(reply, 404, `no call ${req.params.id}`);
  });

  app.get<{ Params: { id: string } }>('/emulator/calls/:id/timeline', async (req, reply) => {
    if (!deps.call(req.params.id)) return problem(reply, 404, `no call ${req.params.id}`);
    return reply.type('text/plain; charset=utf-8').send(`${deps.timeline(req.params.id)}\n`);
  });

  app.get<{ Params: { id: string } }>('/emulator/calls/:id/check', async (req, reply) => {
    const expect = deps.expectOf(req.params.id);
    if (!expect) return problem(reply, 404, `no call ${req.params.id}`);
    const unmet = deps.check(req.params.id, expect);
    return reply.send({ passed: unmet.length === 0, unmet });
  });
}
