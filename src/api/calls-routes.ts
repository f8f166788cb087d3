import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LiveCalls } from '../calls/live-calls.ts';
import { errorBody } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { CallQuery, CallRecord, FieldFilter } from '../records/call-record.ts';
import type { CallRecords } from '../records/records-service.ts';
import { callsCsv } from './calls-csv.ts';
import type { ApiCluster } from './live-commands.ts';
import type { RecordingLinks } from './recording-routes.ts';
import { callIdParams, eventsQuery, fieldParamPattern, listCallsQuery } from './schemas.ts';
import { SseStream } from './sse.ts';
import { validate } from './validate.ts';

export interface CallsRoutesDeps {
  records: CallRecords;
  liveCalls: LiveCalls;
  /** Several instances: a call may be live on another one. */
  cluster: ApiCluster | null;
  log: Logger;
  heartbeatMs: number;
  /** Open streams, so shutdown can end them. */
  streams: Set<SseStream>;
  /** Signed links to GPT-Live recordings; absent: recordingUrl is always null. */
  recordingLinks?: RecordingLinks;
}

/** A CSV export holds at most this many calls (the newest); x-truncated says when there were more. */
export const csvMaxRows = 10_000;

/** Takes the `field.<path>` parameters out of a query; the first malformed one is named. */
export function splitFieldParams(query: unknown): { rest: Record<string, unknown>; fields: FieldFilter[]; badField: string | null } {
  const rest: Record<string, unknown> = {};
  const fields: FieldFilter[] = [];
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (!key.startsWith('field.')) {
      rest[key] = value;
      continue;
    }
    const m = fieldParamPattern.exec(key);
    if (!m?.[1]) return { rest, fields, badField: key };
    for (const v of Array.isArray(value) ? value : [value]) fields.push({ path: m[1].split('.'), value: String(v) });
  }
  return { rest, fields, badField: null };
}

const notFound = (id: string) => errorBody('not_found', `no call ${id}`);
const endData = (r: Pick<CallRecord, 'callId' | 'outcome' | 'endReason'>) => ({
  callId: r.callId,
  outcome: r.outcome,
  endReason: r.endReason,
});

export function registerCallsRoutes(app: FastifyInstance, deps: CallsRoutesDeps): void {
  const list = async (req: FastifyRequest, reply: FastifyReply, forceCsv: boolean) => {
    const { rest, fields, badField } = splitFieldParams(req.query);
    if (badField) {
      const message = `${badField}: expected field.<name> (letters, digits, _; up to 5 levels, e.g. field.customer.name)`;
      return reply.code(400).send(errorBody('invalid_request', message, { field: badField }));
    }
    const q = validate(listCallsQuery, rest, reply, 'query');
    if (!q) return reply;
    const query: CallQuery = {
      limit: q.limit,
      ...(q.caller !== undefined ? { caller: q.caller } : {}),
      ...(q.dialed !== undefined ? { dialed: q.dialed } : {}),
      ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
      ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
      ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
      ...(q.q !== undefined ? { text: q.q } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.success !== undefined ? { success: q.success } : {}),
      ...(q.analysis !== undefined ? { analysis: q.analysis } : {}),
      ...(fields.length > 0 ? { fields } : {}),
    };
    if (!forceCsv && q.format !== 'csv') return reply.send(await deps.records.listCalls(query));
    // Every match (up to the cap), newest first: paging is for screens, a CSV is for a spreadsheet.
    const calls: CallRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.records.listCalls({ ...query, limit: 200, ...(cursor ? { cursor } : {}) });
      calls.push(...page.calls);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && calls.length < csvMaxRows);
    const shown = calls.slice(0, csvMaxRows);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="calls-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('x-total-rows', String(shown.length))
      .header('x-truncated', calls.length > csvMaxRows || cursor ? 'true' : 'false')
      .send(callsCsv(shown));
  };
  app.get('/calls', (req, reply) => list(req, reply, false));
  app.get('/calls.csv', (req, reply) => list(req, reply, true));

  app.get('/calls/:id', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    const call = await deps.records.getCall(p.id);
    if (!call) return reply.code(404).send(notFound(p.id));
    const here = deps.liveCalls.has(p.id);
    // Live here, or (several instances) live on the instance that holds its claim now.
    const holder = here
      ? (deps.cluster?.instanceId ?? call.owner)
      : call.outcome === 'in_progress' && deps.cluster
        ? await deps.cluster.owner(p.id).catch(() => null)
        : null;
    const recordingUrl = call.recording && deps.recordingLinks ? await deps.recordingLinks.urlFor(p.id) : null;
    return reply.send({ ...call, live: here || holder !== null, owner: holder ?? call.owner, recordingUrl });
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
      for await (const entry of deps.records.follow(p.id, after, { signal: closed.signal }))
        stream.send(entry.type, { callId: p.id, ...entry }, entry.seq);
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
