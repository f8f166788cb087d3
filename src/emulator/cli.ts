// `switchboard emulator`: serve the emulator, or place scenario calls and report whether they went as expected.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isSwitchboardError } from '../errors.ts';
import type { CallRecord } from './call-record.ts';
import { type Emulator, type StartEmulatorOptions, startEmulator } from './emulator.ts';
import { FaultFlagError, faultFlagsHelp, parseFaultFlags } from './fault-flags.ts';
import type { EmulatorLogger } from './logger.ts';
import { parseScenario, type Scenario, type ScenarioInput } from './scenario.ts';

export const emulatorUsage = `Usage: switchboard emulator [options]

Runs OpenAI's side of SIP calls locally, on both surfaces: Realtime (call-control REST,
the control WebSocket, signed realtime.call.incoming webhooks) and GPT-Live (session REST,
the sideband WebSocket, recordings, signed live.transport.incoming webhooks), and the
project's webhook endpoints (client.webhooks.*, what \`switchboard setup\` and \`doctor\` use).
A scenario's "webhooks" field says which webhooks a call sends (default ["realtime"]).

Options:
  --port N               port to listen on (default 8787; 0 = random)
  --host H               address to bind (default 127.0.0.1)
  --webhook-url URL      where to POST the webhooks (required to place calls)
  --api-key K            bearer key the emulator requires (default $OPENAI_API_KEY, else generated)
  --webhook-secret S     whsec_… used to sign webhooks (default $OPENAI_WEBHOOK_SECRET, else generated);
                         once a webhook endpoint is registered, calls go to it, signed with its secret
  --project-id ID        the project id it answers with (openai-project header; default generated proj_…)
  --no-live-sip          the project has no GPT-Live SIP: live.transport.incoming is not subscribable
  --scenario FILE        place call(s) from this JSON scenario, print the timeline, exit 0 if the
                         expectations held, else 1
  --calls N              with --scenario: how many calls to place concurrently (default 1)
  --duplicates N         send each webhook N times concurrently (same webhook-id)
  --playback-ms N        how long an agent utterance plays (default 300)
  --tls-cert FILE        serve https/wss with this certificate …
  --tls-key FILE         … and this key
  --fault KEY=VALUE      misbehave like OpenAI on a bad day (below); repeatable
  --quiet                no request logs
  -h, --help             show this help

${faultFlagsHelp}
Without --scenario the emulator keeps serving until interrupted, and also answers:
  POST /emulator/calls               body: a JSON scenario → places a call
  GET  /emulator/calls               the calls so far
  GET  /emulator/calls/:id           a call's full record (JSON)
  GET  /emulator/calls/:id/timeline  a call's timeline (text)
  GET  /emulator/calls/:id/check     the call against its scenario's expectations
`;

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Stops serve mode (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  logger?: EmulatorLogger | false;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function intOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

class UsageError extends Error {}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The file's JSON (placed as is) and its parsed form (checked up front, and its expectations). */
async function loadScenario(file: string): Promise<{ input: ScenarioInput; scenario: Scenario }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read scenario ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // parseScenario validated it, so it is a ScenarioInput.
  return { input: json as ScenarioInput, scenario: parseScenario(json) };
}

async function runScenario(
  emu: Emulator,
  { input, scenario }: { input: ScenarioInput; scenario: Scenario },
  calls: number,
  duplicates: number | undefined,
  io: CliIo,
): Promise<number> {
  const placed = await Promise.all(Array.from({ length: calls }, () => emu.placeCall(input, duplicates ? { duplicates } : {})));
  const records: CallRecord[] = await Promise.all(placed.map((p) => p.ended));
  let failed = 0;
  for (const record of records) {
    const unmet = emu.check(record.id, scenario.expect);
    io.stdout.write(`${emu.timeline(record.id)}\n`);
    for (const issue of record.issues) io.stdout.write(`  issue: ${issue.message}\n`);
    if (unmet.length === 0) {
      io.stdout.write(`  PASS ${scenario.name}\n\n`);
    } else {
      failed++;
      io.stdout.write(`  FAIL ${scenario.name}\n${unmet.map((u) => `    - ${u}\n`).join('')}\n`);
    }
  }
  io.stdout.write(`${records.length - failed}/${records.length} call(s) met their expectations\n`);
  return failed === 0 ? 0 : 1;
}

export async function runEmulatorCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const args = argv[0] === 'emulator' ? argv.slice(1) : argv;
  let emu: Emulator | undefined;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'webhook-url': { type: 'string' },
        'api-key': { type: 'string' },
        'webhook-secret': { type: 'string' },
        'project-id': { type: 'string' },
        'no-live-sip': { type: 'boolean' },
        scenario: { type: 'string' },
        calls: { type: 'string' },
        duplicates: { type: 'string' },
        'playback-ms': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        fault: { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(emulatorUsage);
      return 0;
    }
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
    const loaded = values.scenario ? await loadScenario(values.scenario) : undefined;
    if (loaded && !values['webhook-url']) throw new UsageError('--scenario needs --webhook-url (where your server takes webhooks)');
    const calls = intOption(values.calls, 'calls', 1, 1);
    const duplicates = values.duplicates === undefined ? undefined : intOption(values.duplicates, 'duplicates', 1, 1);
    const apiKey = values['api-key'] ?? io.env.OPENAI_API_KEY ?? `sk-emulator-${randomBytes(12).toString('hex')}`;
    const webhookSecret = values['webhook-secret'] ?? io.env.OPENAI_WEBHOOK_SECRET ?? `whsec_${randomBytes(32).toString('base64')}`;
    const options: StartEmulatorOptions = {
      apiKey,
      webhookSecret,
      host: values.host ?? '127.0.0.1',
      port: intOption(values.port, 'port', 8787),
      playbackMs: intOption(values['playback-ms'], 'playback-ms', 300),
      logger: values.quiet || loaded ? false : io.logger,
      liveSip: !values['no-live-sip'],
    };
    if (values['project-id']) options.projectId = values['project-id'];
    if (values['webhook-url']) options.webhookUrl = values['webhook-url'];
    if (values.fault && values.fault.length > 0) options.faults = parseFaultFlags(values.fault);
    if (values['tls-cert'] && values['tls-key']) {
      options.tls = { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) };
    }
    emu = await startEmulator(options);
    const keySource = values['api-key'] ? '--api-key' : io.env.OPENAI_API_KEY ? '$OPENAI_API_KEY' : 'generated';
    const secretSource = values['webhook-secret']
      ? '--webhook-secret'
      : io.env.OPENAI_WEBHOOK_SECRET
        ? '$OPENAI_WEBHOOK_SECRET'
        : 'generated';
    io.stdout.write(
      `OpenAI emulator listening\n` +
        `  OPENAI_BASE_URL=${emu.baseURL}\n` +
        `  OPENAI_API_KEY=${apiKey}   (${keySource})\n` +
        `  OPENAI_WEBHOOK_SECRET=${webhookSecret}   (${secretSource})\n` +
        `  OPENAI_PROJECT_ID=${emu.projectId}\n` +
        `  webhooks → ${options.webhookUrl ?? '(none yet: pass --webhook-url, or register a webhook endpoint: switchboard setup)'}\n\n`,
    );
    if (loaded) return await runScenario(emu, loaded, calls, duplicates, io);
    io.stdout.write('Serving until interrupted. Place a call: POST /emulator/calls with a JSON scenario.\n');
    await waitForStop(io.signal);
    return 0;
  } catch (err) {
    if (isSwitchboardError(err, 'SB_EMULATOR_SCENARIO')) {
      io.stderr.write(`switchboard emulator: ${err.message}\n`);
      return 1;
    }
    if (
      err instanceof UsageError ||
      err instanceof FaultFlagError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`switchboard emulator: ${err.message}\n\n${emulatorUsage}`);
      return 64;
    }
    io.stderr.write(`switchboard emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await emu?.close();
  }
}

if (import.meta.main) process.exitCode = await runEmulatorCli(process.argv.slice(2));
