import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * `Authorization: Bearer <API_TOKEN>`, compared in constant time (both sides
 * hashed first, so neither the content nor the length leaks through timing).
 */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const given = digest(match?.[1] ?? '');
    if (match && timingSafeEqual(given, expected)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="switchboard"')
      .send(errorBody('unauthorized', match ? 'wrong API token' : 'missing Authorization: Bearer <API_TOKEN> header'));
  };
}
