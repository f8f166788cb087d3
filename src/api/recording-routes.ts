// GET /api/calls/:id/recording: a GPT-Live call's recording (WAV), with Range support.
// Behind the API token, or a short-lived signed link (an <audio> element cannot send a
// bearer token): GET /api/calls/:id gives one as recordingUrl when the recording exists.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';
import type { RecordingFiles } from '../recordings/recording-files.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import { bearerAuth } from './auth.ts';
import { parseByteRange } from './byte-range.ts';
import { callIdParams } from './schemas.ts';
import { validate } from './validate.ts';

/** How long a signed recording link works. */
export const recordingLinkSeconds = 3600;

export interface RecordingLinks {
  /** `/api/calls/<id>/recording?expires=…&signature=…`, or null when there is no recording. */
  urlFor(callId: string): Promise<string | null>;
}

function signature(token: string, callId: string, expires: number): string {
  // A key of its own, derived from the token: a link never reveals anything usable elsewhere.
  const key = createHmac('sha256', token).update('switchboard recording links').digest();
  return createHmac('sha256', key).update(`${callId}\n${expires}`).digest('base64url');
}

export function recordingLinks(files: RecordingFiles, token: string, clock: Clock = systemClock): RecordingLinks {
  return {
    async urlFor(callId) {
      if ((await files.size(callId)) === null) return null;
      const expires = Math.floor(clock.epochMs() / 1000) + recordingLinkSeconds;
      return `/api/calls/${encodeURIComponent(callId)}/recording?expires=${expires}&signature=${signature(token, callId, expires)}`;
    },
  };
}

function signedLinkValid(req: FastifyRequest, token: string, callId: string, clock: Clock): boolean {
  const { expires, signature: given } = req.query as { expires?: string; signature?: string };
  const at = Number(expires);
  if (!Number.isSafeInteger(at) || typeof given !== 'string' || at < clock.epochMs() / 1000) return false;
  const expected = Buffer.from(signature(token, callId, at));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function registerRecordingRoutes(app: FastifyInstance, deps: { files: RecordingFiles; token: string; clock?: Clock }): void {
  const clock = deps.clock ?? systemClock;
  const bearer = bearerAuth(deps.token);
  app.get('/calls/:id/recording', async (req, reply) => {
    const p = validate(callIdParams, req.params, reply, 'params');
    if (!p) return reply;
    if (!signedLinkValid(req, deps.token, p.id, clock)) {
      await bearer(req, reply);
      if (reply.sent) return reply;
    }
    const path = deps.files.path(p.id);
    const size = await deps.files.size(p.id);
    if (!path || size === null) return reply.code(404).send(errorBody('not_found', `no recording of call ${p.id}`));
    reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-store').type('audio/wav');
    const range = parseByteRange(req.headers.range, size);
    if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send();
    if (range === null) return reply.header('content-length', String(size)).send(createReadStream(path));
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', String(range.end - range.start + 1))
      .send(createReadStream(path, { start: range.start, end: range.end }));
  });
}
