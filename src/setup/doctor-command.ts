// `switchboard doctor`: checks the line end to end and prints one line and one fix per
// check. Exit 0 when nothing failed (warnings too with --strict), 1 otherwise.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Env, loadConfig } from '../config/config.ts';
import { isSwitchboardError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { openConfiguredStore } from '../records/open-store.ts';
import { type CheckResult, type CheckStatus, failed, runChecks } from './checks.ts';
import { httpReceipts } from './http-receipts.ts';
import { loadSetupEnv, nonEmpty, setupClient } from './setup-env.ts';

export interface DoctorIo {
  env: Env;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Test hooks: shorter waits. */
  receiptWaitMs?: number;
  requestTimeoutMs?: number;
}

export const doctorUsage = `Usage: switchboard doctor [options]

Checks the line end to end, one line and one fix per check: the settings, the profile
file, the records store, the API key, the models, the webhook endpoint at PUBLIC_URL and
its event types, that OpenAI's test delivery reaches the running server, and that the
signing secret matches. Run it with the server running (and API_TOKEN set, so doctor can
ask the server whether the test arrived).

Options:
  --url URL          the public base URL to check (default: PUBLIC_URL)
  --server-url URL   where the running server listens (default http://127.0.0.1:LOCAL_PORT)
  --strict           warnings fail too (a deprecated model, an extra endpoint, …)
  --json             print the results as JSON
  --env-file FILE    the settings file (default .env)
  -h, --help         show this help

Exit status: 0 nothing failed, 1 something failed, 64 usage.
`;

const labels: Record<CheckStatus, string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip', info: 'info' };

function processIo(): DoctorIo {
  return { env: process.env, cwd: process.cwd(), out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

function settingsProblems(env: Env): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (!isSwitchboardError(err, 'SB_CONFIG_INVALID')) throw err;
    const problems = err.fields.problems;
    return Array.isArray(problems) ? problems.map(String) : [err.message];
  }
}

/** Opens the store as the server would, and makes a write that matches nothing. */
async function probeStore(env: Env, cwd: string): Promise<string> {
  const databaseUrl = nonEmpty(env.DATABASE_URL) ?? null;
  const dataDir = resolve(cwd, nonEmpty(env.DATA_DIR) ?? './data');
  const store = await openConfiguredStore({ databaseUrl, dataDir }, createLogger('silent'));
  try {
    await store.purge(new Date(0));
  } finally {
    await store.close();
  }
  if (!databaseUrl) return `SQLite at ${join(dataDir, 'switchboard.db')}`;
  const url = new URL(databaseUrl);
  return `PostgreSQL at ${url.host}${url.pathname}`;
}

export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.title.length));
  const lines: string[] = [];
  for (const r of results) {
    const where = r.status === 'fail' || r.status === 'warn' ? `${r.step}: ` : '';
    lines.push(`  ${labels[r.status].padEnd(4)}  ${r.title.padEnd(width)}  ${where}${r.message}`);
    if (r.fix) lines.push(`  ${''.padEnd(4)}  ${''.padEnd(width)}  fix: ${r.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function runDoctorCommand(argv: readonly string[], io: DoctorIo = processIo()): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'server-url': { type: 'string' },
        strict: { type: 'boolean' },
        json: { type: 'boolean' },
        'env-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`switchboard doctor: ${(err as Error).message}\n\n${doctorUsage}`);
    return 64;
  }
  if (values.help) {
    io.out(doctorUsage);
    return 0;
  }
  const { env } = loadSetupEnv(io.env, io.cwd, values['env-file']);
  const requestTimeoutMs = io.requestTimeoutMs ?? 10_000;
  const port = nonEmpty(env.LOCAL_PORT) ?? nonEmpty(env.PORT) ?? '3000';
  const serverUrl = values['server-url'] ?? `http://127.0.0.1:${port}`;
  const results = await runChecks({
    env,
    cwd: io.cwd,
    client: setupClient(env, requestTimeoutMs),
    receipts: httpReceipts(serverUrl, nonEmpty(env.API_TOKEN), requestTimeoutMs),
    probeStore: () => probeStore(env, io.cwd),
    settingsProblems: () => settingsProblems(env),
    requestTimeoutMs,
    ...(values.url ? { publicUrl: values.url } : {}),
    ...(io.receiptWaitMs !== undefined ? { receiptWaitMs: io.receiptWaitMs } : {}),
  });
  const bad = failed(results, values.strict ?? false);
  if (values.json) {
    io.out(`${JSON.stringify({ ok: bad.length === 0, checks: results }, null, 2)}\n`);
  } else {
    io.out(
      `Switchboard doctor${env.PUBLIC_URL || values.url ? ` for ${values.url ?? env.PUBLIC_URL}` : ''}\n\n${formatResults(results)}\n`,
    );
    const warnings = results.filter((r) => r.status === 'warn').length;
    const failures = results.filter((r) => r.status === 'fail').length;
    const summary = failures === 0 ? 'All checks passed' : `${failures} check${failures === 1 ? '' : 's'} failed`;
    io.out(
      `${summary}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}${values.strict ? ' (--strict: they count)' : ''}` : ''}.\n`,
    );
  }
  return bad.length === 0 ? 0 : 1;
}
