// Where the profile file is: SWITCHBOARD_CONFIG, else ./switchboard.yaml when it exists.
// Without either, the server runs the environment-only agent, as it always did.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from './interpolate.ts';

export const defaultProfilesFile = 'switchboard.yaml';

export type ProfilesPath = { kind: 'none' } | { kind: 'file'; path: string; explicit: boolean } | { kind: 'missing'; path: string };

export function profilesPath(env: Env, cwd: string, exists: (path: string) => boolean = existsSync): ProfilesPath {
  const configured = env.SWITCHBOARD_CONFIG?.trim();
  if (configured) {
    const path = resolve(cwd, configured);
    return exists(path) ? { kind: 'file', path, explicit: true } : { kind: 'missing', path };
  }
  const path = resolve(cwd, defaultProfilesFile);
  return exists(path) ? { kind: 'file', path, explicit: false } : { kind: 'none' };
}
