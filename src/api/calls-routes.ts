import type { FastifyInstance } from 'fastify';
import type { LiveCalls } from '../calls/live-calls.ts';
import type { Logger } from '../log/logger.ts';
import type { CallRecord, TimelineEntry } from '../records/call-record.ts';
import type { Recorder } from '../records/recorder.ts';
import type { Store } from '../records/store.ts';
import { callIdParams, eventsQuery, listCallsQuery } from './schemas.ts';
import { SseStream } from './sse.ts';
import { validate } from './validate.ts';

export interface CallsRoutesDeps {
  store: Store;
  recorder: Recorder;
  liveCalls: LiveCalls;
  log: Logger;
  heartbeatMs: number;
  /** How often a stream of a call held by another instance (shared PostgreSQL) re-reads the store. */
  storePollMs: number;
  /** Open streams, so shutdown can end them. */
  streams: Set<SseStream>;
}

const terminal = new Set(['call.ended', 'call.rejected', 'call.missed', 'call.failed']);
const notFound = (id: string) => ({ error: 'not_found', message: `no call ${id}` });
const endData = (r: Pick<CallRecord, 'callId' | 'outcome' | 'endReason'>) => ({ callId: r.callId, outcome: r.outcome, endReason: r.endReason });

export function registerCallsRoutes(app: FastifyInstance, deps: CallsRoutesDeps): void {
  app.get('/calls', async (req, reply) => {
    const q = validate(listCallsQuery, req.query, reply, 'query');
    if (!q) return reply;
    const page = await deps.store.listCalls({
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
    // Memory first: it is ahead of the store by up to one batch window.
    const call = deps.recorder.detail(p.id) ?? (await deps.store.getCall(p.id));
    if (!call) return reply.code(404).send(notFound(p.id));
    return reply.send({ ...call, live: deps.liveCalls.has(p.id) });
  });

  app.get('/calls/:id/events', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const q = validate(eventsQuery, req.query, reply, 'query');
    if (!q) return reply;
    const lastEventId = Number(req.headers['last-event-id']);
    let after = q.after ?? (Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0);

    const stored = deps.recorder.has(p.id) ? null : await deps.store.getCall(p.id);
    if (!deps.recorder.has(p.id) && !stored) return reply.code(404).send(notFound(p.id));

    const stream = new SseStream(reply, deps.heartbeatMs);
    deps.streams.add(stream);
    stream.onClose(() => deps.streams.delete(stream));
    const send = (entry: TimelineEntry) => {
      after = entry.seq;
      stream.send(entry.type, { callId: p.id, ...entry }, entry.seq);
    };
    const end = (record: Pick<CallRecord, 'callId' | 'outcome' | 'endReason'>) => {
      stream.send('end', endData(record));
      stream.end();
    };

    const following = deps.recorder.follow(p.id, after, {
      onEntry(entry) {
        send(entry);
        if (terminal.has(entry.type)) queueMicrotask(() => end(deps.recorder.detail(p.id) ?? { callId: p.id, outcome: 'completed', endReason: null }));
      },
    });
    if (following) {
      stream.onClose(following.unsubscribe);
      if (following.ended && !stream.isClosed) end(deps.recorder.detail(p.id) ?? { callId: p.id, outcome: 'completed', endReason: null });
      return reply;
    }

    // Not in this process: replay the stored timeline; a call still in progress (another instance) is followed through the store.
    let record = stored;
    while (record && !stream.isClosed) {
      for (const entry of record.timeline) if (entry.seq > after) send(entry);
      if (record.outcome !== 'in_progress') {
        end(record);
        break;
      }
      await new Promise((r) => setTimeout(r, deps.storePollMs));
      record = await deps.store.getCall(p.id).catch((err: Error) => {
        deps.log.warn({ callId: p.id, err: err.message }, 'event stream: store read failed');
        return record;
      });
    }
    return reply;
  });
}
