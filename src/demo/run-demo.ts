import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseScenario, type ScenarioInput } from '../emulator/index.ts';
import { startLocalStack } from '../testing/local-stack.ts';

const defaultScenario = new URL('../emulator/scenarios/transfer.json', import.meta.url);

const help = `Usage: switchboard demo [scenario.json] [--timeout-ms 20000]

Starts the emulator of OpenAI's side and the real server on loopback, places one emulated
call from the scenario (default: the caller asks for a person and is transferred), prints the
timeline and exits 0 only if the call went as the scenario's "expect" says.
Set LOG_LEVEL=info to see the server's own log lines too.
`;

export async function runDemo(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'timeout-ms': { type: 'string', default: '20000' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const file = positionals[0] ?? defaultScenario;
  const input: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const scenario = parseScenario(input); // fails here, naming the field, before anything starts
  const stack = await startLocalStack({ env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  try {
    process.stdout.write(`Switchboard demo: "${scenario.name ?? 'call'}"\n`);
    process.stdout.write(`  emulator  ${stack.emulator.baseURL}\n  server    ${stack.serverUrl}\n\n`);
    const call = await stack.emulator.placeCall(input as ScenarioInput);
    const timeoutMs = Number(values['timeout-ms']);
    const ended = await Promise.race([call.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
    process.stdout.write(`${stack.emulator.timeline(call.id)}\n`);
    const failures = ended ? stack.emulator.check(call.id, scenario.expect ?? {}) : [`the call did not end within ${timeoutMs} ms`];
    const answerMs = stack.emulator.call(call.id)?.answerMs;
    if (answerMs != null) process.stdout.write(`\nwebhook sent → accept received: ${answerMs.toFixed(1)} ms\n`);
    if (failures.length === 0) {
      process.stdout.write('\n✔ the call went as the scenario expects\n');
      return 0;
    }
    process.stdout.write(`\n✘ the call did not go as expected:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  } finally {
    await stack.close();
  }
}
