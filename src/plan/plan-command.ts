// `switchboard plan --from +1… --to +1… [--at …] [--header Name=value]… [--json] [file]`:
// what the server would do with that call, from the profile file (or the environment).
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../log/logger.ts';
import { agentDefaultsFromEnv } from '../profiles/agent-defaults.ts';
import type { Env } from '../profiles/interpolate.ts';
import { loadProfilesFile } from '../profiles/load-profiles.ts';
import { formatProblem } from '../profiles/problem.ts';
import { profilesPath } from '../profiles/profiles-path.ts';
import { startAgents } from '../profiles/start-agents.ts';
import { normalizePhoneNumber, type SipHeader } from '../sip/index.ts';
import { formatPreview } from './format-preview.ts';
import { parseAt } from './local-time.ts';
import { type PreviewSource, previewCall } from './preview-call.ts';

export interface PlanIo {
  env: Env;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  readFile?: (path: string) => string;
  now?: () => number;
}

const usage = `Usage: switchboard plan --from <number> --to <number> [--at <time>] [--header Name=value]… [--json] [file]

Shows what the server would do with a call, without one: the screening verdict, the route,
the opening hours, the agent, and the exact accept body (instructions rendered, tools listed).
It runs the server's own code on the profile file (default: $SWITCHBOARD_CONFIG, else
./switchboard.yaml; without one, the environment's agent).

  --from <number>     the caller, E.164 (+19195551234); "anonymous" for a caller without a number
  --to <number>       the number dialed, E.164
  --at <time>         2026-12-24T10:00 in the file's business.timeZone, or an ISO 8601 instant
                      with Z or an offset (default: now)
  --header Name=value another INVITE header, e.g. X-Account-Id=42 (repeatable)
  --json              the preview as JSON (as POST /api/plan answers)
Exit status: 0 shown, 1 the profile file is invalid, 64 usage.
`;

function processIo(): PlanIo {
  if (existsSync('.env')) process.loadEnvFile('.env'); // never overrides variables already set
  return { env: process.env, cwd: process.cwd(), out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

/** `X-Account-Id=42` or `X-Account-Id: 42`. */
export function parseHeaderArg(text: string): SipHeader | null {
  const m = /^([A-Za-z0-9!%*_+`'~.-]+)\s*[=:]\s?(.*)$/.exec(text);
  return m ? { name: m[1]!, value: m[2]! } : null;
}

export async function runPlanCommand(argv: readonly string[], io: PlanIo = processIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.filter((a) => a !== '--'),
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        at: { type: 'string' },
        header: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`switchboard plan: ${(err as Error).message}\n\n${usage}`);
    return 64;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const fail = (message: string) => {
    io.err(`switchboard plan: ${message}\n\n${usage}`);
    return 64;
  };
  if (positionals.length > 1) return fail('expected at most one file');
  const from = values.from?.trim().toLowerCase() === 'anonymous' ? null : normalizePhoneNumber(values.from ?? '');
  if (values.from === undefined) return fail('--from is required');
  if (values.from.trim().toLowerCase() !== 'anonymous' && from === null)
    return fail(`--from: expected a phone number like +19195551234, got "${values.from}"`);
  const to = normalizePhoneNumber(values.to ?? '');
  if (!to)
    return fail(values.to === undefined ? '--to is required' : `--to: expected a phone number like +19195550100, got "${values.to}"`);
  const headers: SipHeader[] = [];
  for (const h of values.header ?? []) {
    const header = parseHeaderArg(h);
    if (!header) return fail(`--header: expected Name=value, got "${h}"`);
    headers.push(header);
  }

  let source: PreviewSource;
  const found = positionals[0] ? { kind: 'file' as const, path: resolve(io.cwd, positionals[0]) } : profilesPath(io.env, io.cwd);
  if (found.kind === 'missing') {
    io.err(`switchboard plan: SWITCHBOARD_CONFIG: ${found.path} does not exist\n`);
    return 1;
  }
  if (found.kind === 'file') {
    const shown = relative(io.cwd, found.path) || found.path;
    const result = loadProfilesFile(found.path, {
      env: io.env,
      defaults: agentDefaultsFromEnv(io.env),
      ...(io.readFile ? { readFile: io.readFile } : {}),
    });
    if (!result.ok) {
      for (const p of result.problems) io.err(`${formatProblem(p, shown)}\n`);
      io.err(`${shown}: the server would refuse this file; run "switchboard check" for details\n`);
      return 1;
    }
    source = { snapshot: result.profiles, timeZone: result.profiles.timeZone };
  } else {
    // The environment's agent, compiled as the server compiles it; the secrets do not change the plan.
    try {
      const config = loadConfig({ OPENAI_API_KEY: 'unused', OPENAI_WEBHOOK_SECRET: 'unused', ...io.env });
      const agents = startAgents(config, { log: createLogger('silent'), file: null });
      source = { snapshot: agents.current(), timeZone: agents.current().timeZone };
    } catch (err) {
      io.err(`switchboard plan: no profile file, and the environment is incomplete: ${(err as Error).message}\n`);
      return 1;
    }
  }

  const at = values.at === undefined ? (io.now ?? Date.now)() : parseAt(values.at, source.timeZone);
  if (at === null)
    return fail(`--at: expected a time like 2026-12-24T10:00 (in ${source.timeZone}) or 2026-12-24T15:00:00Z, got "${values.at}"`);
  const preview = previewCall({ from, to, at, headers }, source);
  io.out(values.json ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
  return 0;
}
