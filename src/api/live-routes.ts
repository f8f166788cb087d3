import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LiveCalls } from '../calls/live-calls.ts';
import type { CommandReply } from '../cluster/coordination.ts';
import type { CallSession } from '../session/call-session.ts';
import { type ApiCluster, steer } from './live-commands.ts';
import { callIdParams, dtmfBody, sayBody, transferBody } from './schemas.ts';
import { validate } from './validate.ts';

export interface LiveRoutesDeps {
  liveCalls: LiveCalls<CallSession>;
  /** Several instances: a call held by another one is steered there. */
  cluster: ApiCluster | null;
}

const send = (reply: FastifyReply, answer: CommandReply) => {
  if (answer.status === 503) reply.header('retry-after', '2');
  return reply.code(answer.status).send(answer.body);
};

/** Steering a live call, wherever it runs: transfer, hang up, send keypad tones, or tell the agent what to say or do. */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRoutesDeps): void {
  app.post('/calls/:id/transfer', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const body = validate(transferBody, req.body, reply, 'body');
    if (!body) return reply;
    return send(reply, await steer(deps.liveCalls, deps.cluster, p.id, { action: 'transfer', target: body.target }));
  });

  app.post('/calls/:id/hangup', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    return send(reply, await steer(deps.liveCalls, deps.cluster, p.id, { action: 'hangup' }));
  });

  // GPT-Live only: e.g. to get through an IVR after a transfer.
  app.post('/calls/:id/dtmf', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const body = validate(dtmfBody, req.body, reply, 'body');
    if (!body) return reply;
    return send(reply, await steer(deps.liveCalls, deps.cluster, p.id, { action: 'dtmf', digits: body.digits }));
  });

  app.post('/calls/:id/say', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const body = validate(sayBody, req.body, reply, 'body');
    if (!body) return reply;
    return send(reply, await steer(deps.liveCalls, deps.cluster, p.id, { action: 'say', text: body.text }));
  });
}
