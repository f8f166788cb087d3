import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A new id for every process start: `INSTANCE_NAME` (default the host name, a container's id)
 * and a random suffix. A restarted process is a new instance; its predecessor's calls are
 * taken over like any dead instance's, never mistaken for its own.
 */
export function newInstanceId(name: string | null = null): string {
  const base = (name ?? hostname()).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 48) || 'switchboard';
  return `${base}-${randomBytes(3).toString('hex')}`;
}
