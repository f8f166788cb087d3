import type { FastifyInstance } from 'fastify';
import type { LiveCalls } from '../calls/live-calls.ts';
import { errorBody } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { CallRecord } from '../records/call-record.ts';
import type { CallRecords } from '../records/records-service.ts';
import { callIdParams, eventsQuery, listCallsQuery } from './schemas.ts';
import { SseStream } from './sse.ts';
import { validate } from './validate.ts';

export interface CallsRoutesDeps {
  records: CallRecords;
  liveCalls: LiveCalls;
  log: Logger;
  heartbeatMs: number;
  /** Open streams, so shutdown can end them. */
  streams: Set<SseStream>;
}

const notFound = (id: string) => errorBody('not_found', `no call ${id}`);
const endData = (r: Pick<CallRecord, 'callId' | 'outcome' | 'endReason'>) => ({ callId: r.callId, outcome: r.outcome, endReason: r.endReason });

export function registerCallsRoutes(app: FastifyInstance, deps: CallsRoutesDeps): void {
  app.get('/calls', async (req, reply) => {
    const q = validate(listCallsQuery, req.query, reply, 'query');
    if (!q) return reply;
    const page = await deps.records.listCalls({
      limit: q.limit,
      ...(q.caller !== undefined ? { caller: q.caller } : {}),
      ...(q.dialed !== undefined ? { dialed: q.dialed } : {}),
      ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
      ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
      ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
      ...(q.q !== undefined ? { text: q.q } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
    return reply.send(page);
  });

  app.get('/calls/:id', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const call = await deps.records.getCall(p.id);
    if (!call) return reply.code(404).send(notFound(p.id));
    return reply.send({ ...call, live: deps.liveCalls.has(p.id) });
  });

  app.get('/calls/:id/events', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const q = validate(eventsQuery, req.query, reply, 'query');
    if (!q) return reply;
    const lastEventId = Number(req.headers['last-event-id']);
    const after = q.after ?? (Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0);
    if (!(await deps.records.getCall(p.id))) return reply.code(404).send(notFound(p.id));

    const stream = new SseStream(reply, deps.heartbeatMs);
    deps.streams.add(stream);
    const closed = new AbortController();
    stream.onClose(() => {
      deps.streams.delete(stream);
      closed.abort();
    });
    try {
      for await (const entry of deps.records.follow(p.id, after, { signal: closed.signal })) stream.send(entry.type, { callId: p.id, ...entry }, entry.seq);
    } catch (err) {
      deps.log.warn({ callId: p.id, err: (err as Error).message }, 'event stream: following the call failed');
      stream.end(); // the client reconnects with Last-Event-ID
    }
    if (stream.isClosed) return reply;
    // The call is over: its outcome closes the stream.
    const record = await deps.records.getCall(p.id).catch(() => null);
    stream.send('end', endData(record ?? { callId: p.id, outcome: 'completed', endReason: null }));
    stream.end();
    return reply;
  });
}
