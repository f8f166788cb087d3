import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { errorBody } from '../errors.ts';

/** Parses `input`; on failure answers 400 naming the first bad field and returns null. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  reply: FastifyReply,
  where: 'body' | 'query' | 'params',
): z.output<S> | null {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    // An unknown key names itself: {"targt": …} → field "targt".
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || where;
    const message = issue.code === 'unrecognized_keys' ? `unknown field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` : issue.message;
    return { field, message };
  });
  const first = issues[0] ?? { field: where, message: 'invalid' };
  void reply.code(400).send(errorBody('invalid_request', `${first.field}: ${first.message}`, { field: first.field, issues }));
  return null;
}
