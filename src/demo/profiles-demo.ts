// npm run demo:profiles: switchboard.example.yaml against the emulator, one scripted call
// per main path (routing, HTTP tool, after hours, screening, department transfer, keypad).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseScenario, type ScenarioInput } from '../emulator/index.ts';
import { startProfilesStack } from './profiles-stack.ts';

const help = `Usage: npm run demo:profiles [-- --file switchboard.example.yaml] [--quiet]

Loads the profile file, starts the emulator of OpenAI's side, the real server and a stand-in
business API on loopback, then plays each call listed in examples/scenarios/demo.json at its
time of day. Prints each call's timeline; exits 0 only if every call went as expected.
`;

interface DemoEntry {
  scenario: string;
  at: string;
  note?: string;
}

export async function runProfilesDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', default: 'switchboard.example.yaml' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const dir = new URL('../../examples/scenarios/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('demo.json', dir), 'utf8')) as { calls: DemoEntry[] };
  const first = manifest.calls[0];
  if (!first) return 0;
  const demo = await startProfilesStack({ file: values.file, at: first.at });
  let failed = 0;
  try {
    process.stdout.write(
      `Switchboard profiles demo: ${values.file}\n  emulator ${demo.stack.emulator.baseURL}\n  server   ${demo.stack.serverUrl}\n  business ${demo.api.url}\n`,
    );
    for (const entry of manifest.calls) {
      const input = JSON.parse(readFileSync(new URL(entry.scenario, dir), 'utf8')) as ScenarioInput;
      const scenario = parseScenario(input);
      demo.setTime(entry.at);
      process.stdout.write(`\n── ${scenario.name}\n   at ${entry.at}${entry.note ? ` (${entry.note})` : ''}\n`);
      const call = await demo.stack.emulator.placeCall(input);
      await call.ended;
      if (!values.quiet) process.stdout.write(`${demo.stack.emulator.timeline(call.id)}\n`);
      const profile = demo.events.find((e) => e.callId === call.id && (e.type === 'call.accepted' || e.type === 'call.rejected'));
      if (profile?.type === 'call.accepted') process.stdout.write(`   profile: ${profile.profile}\n`);
      if (profile?.type === 'call.rejected') process.stdout.write(`   rejected: ${profile.statusCode} (${profile.reason})\n`);
      const failures = demo.stack.emulator.check(call.id, scenario.expect ?? {});
      if (failures.length === 0) process.stdout.write('   ✔ as expected\n');
      else {
        failed++;
        process.stdout.write(`   ✘ ${failures.join('\n   ✘ ')}\n`);
      }
    }
    const signed = demo.api.requests.filter((r) => r.verified).length;
    process.stdout.write(`\nbusiness API: ${demo.api.requests.length} requests, ${signed} with a valid Standard Webhooks signature\n`);
  } finally {
    await demo.close();
  }
  process.stdout.write(
    failed === 0
      ? `\n✔ all ${manifest.calls.length} calls went as expected\n`
      : `\n✘ ${failed} of ${manifest.calls.length} calls did not go as expected\n`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) process.exitCode = await runProfilesDemo(process.argv.slice(2));
