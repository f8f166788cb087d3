import type { FastifyInstance } from 'fastify';
import type { LiveCalls } from '../calls/live-calls.ts';
import { errorBody } from '../errors.ts';
import type { CallSession } from '../session/call-session.ts';
import { callIdParams, sayBody, transferBody } from './schemas.ts';
import { validate } from './validate.ts';

export interface LiveRoutesDeps {
  liveCalls: LiveCalls<CallSession>;
}

const notLive = (id: string) => errorBody('not_live', `call ${id} is not live on this instance`);

/** Steering a live call: transfer, hang up, or tell the agent what to say or do. */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRoutesDeps): void {
  const live = (id: string) => {
    const call = deps.liveCalls.get(id);
    return call?.isLive ? call : null;
  };

  app.post('/calls/:id/transfer', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const body = validate(transferBody, req.body, reply, 'body');
    if (!body) return reply;
    const call = live(p.id);
    if (!call) return reply.code(404).send(notLive(p.id));
    const result = await call.transferTo(body.target);
    if (result.ok) return reply.send({ callId: p.id, status: 'transferring', target: result.uri });
    const status = result.error === 'transfer_failed' ? 502 : 422;
    return reply.code(status).send(errorBody(result.error, result.detail));
  });

  app.post('/calls/:id/hangup', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const call = live(p.id);
    if (!call) return reply.code(404).send(notLive(p.id));
    await call.hangup('operator_hangup');
    return reply.send({ callId: p.id, status: 'ended' });
  });

  app.post('/calls/:id/say', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const body = validate(sayBody, req.body, reply, 'body');
    if (!body) return reply;
    const call = live(p.id);
    if (!call) return reply.code(404).send(notLive(p.id));
    call.instruct(body.text);
    return reply.code(202).send({ callId: p.id, status: 'instructed' });
  });
}
