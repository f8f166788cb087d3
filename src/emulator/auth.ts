// Bearer-token check shared by the REST routes and the WebSocket upgrade.
import { timingSafeEqual } from 'node:crypto';
import { type ApiFailure, invalidApiKey } from './errors.ts';

/** undefined when the Authorization header carries the expected key, else the 401 to answer. */
export function checkBearer(header: string | string[] | undefined, apiKey: string): ApiFailure | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer\s+(.+)$/i.exec(value?.trim() ?? '');
  const provided = m?.[1]?.trim();
  if (provided === undefined) return invalidApiKey(undefined);
  const a = Buffer.from(provided);
  const b = Buffer.from(apiKey);
  if (a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return invalidApiKey(provided);
}
