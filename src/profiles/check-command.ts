// `switchboard check [file]`: validates the profile file the way the server would load
// it, and prints every problem with its place in the file. Exit 0: usable; 1: not.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { surfaces } from '../openai/surface.ts';
import { agentDefaultsFromEnv } from './agent-defaults.ts';
import type { Env } from './interpolate.ts';
import { loadProfilesFile } from './load-profiles.ts';
import { formatProblem } from './problem.ts';
import { defaultProfilesFile } from './profiles-path.ts';

export interface CheckIo {
  env: Env;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  readFile?: (path: string) => string;
  readBinary?: (path: string) => Buffer;
}

const usage = `Usage: switchboard check [file]

Validates the profile file (default: $SWITCHBOARD_CONFIG, else ./${defaultProfilesFile}) and prints
every problem with its line and its path in the file. \${VAR} references are resolved from the
environment (and ./.env), as the server would. Exit status: 0 valid, 1 invalid, 64 usage.
`;

function processIo(): CheckIo {
  if (existsSync('.env')) process.loadEnvFile('.env'); // never overrides variables already set
  return { env: process.env, cwd: process.cwd(), out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

export async function runCheckCommand(argv: readonly string[], io: CheckIo = processIo()): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.out(usage);
    return 0;
  }
  const args = argv.filter((a) => a !== '--');
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    io.err(`switchboard check: expected at most one file\n\n${usage}`);
    return 64;
  }
  const path = resolve(io.cwd, args[0] ?? io.env.SWITCHBOARD_CONFIG ?? defaultProfilesFile);
  const rel = relative(io.cwd, path);
  const shown = rel === '' || rel.startsWith('..') ? path : rel;
  // The environment's default for agents: a bad AGENT_SURFACE must not pass as realtime.
  const surface = io.env.AGENT_SURFACE;
  const envProblems =
    surface && !(surfaces as readonly string[]).includes(surface) ? [`AGENT_SURFACE: expected realtime or live, got "${surface}"`] : [];
  for (const p of envProblems) io.err(`${p}\n`);
  const result = loadProfilesFile(path, {
    env: io.env,
    defaults: agentDefaultsFromEnv(io.env),
    ...(io.readFile ? { readFile: io.readFile } : {}),
    ...(io.readBinary ? { readBinary: io.readBinary } : {}),
  });
  for (const w of result.warnings) io.err(`${formatProblem(w, shown)}\n`);
  if (result.ok && envProblems.length > 0) {
    io.err(`${shown}: the file is valid, but the environment has ${envProblems.length} problem; the server would refuse to start\n`);
    return 1;
  }
  if (!result.ok) {
    const byLine = [...result.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    for (const p of byLine) io.err(`${formatProblem(p, shown)}\n`);
    io.err(
      `${shown}: ${result.problems.length} ${result.problems.length === 1 ? 'problem' : 'problems'}; the server would refuse this file\n`,
    );
    return 1;
  }
  const s = result.profiles.summary;
  io.out(
    `${shown}: OK (${s.agents} agents, ${s.routes} routes, ${s.schedules} schedules, ${s.httpTools} HTTP tools${result.warnings.length ? `, ${result.warnings.length} warnings` : ''})\n`,
  );
  return 0;
}
