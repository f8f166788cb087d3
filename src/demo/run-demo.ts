import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatUsd } from '../dashboard/stats-lib.js';
import { parseScenario, type ScenarioInput } from '../emulator/index.ts';
import type { CallDetail } from '../records/call-record.ts';
import type { Switchboard } from '../server/build-switchboard.ts';
import { startLocalStack } from '../testing/local-stack.ts';

const defaultScenario = new URL('../emulator/scenarios/transfer.json', import.meta.url);

const help = `Usage: switchboard demo [scenario.json] [--surface realtime|live] [--timeout-ms 20000]

Starts the emulator of OpenAI's side and the real server on loopback, places one emulated
call from the scenario (default: the caller asks for a person and is transferred), prints the
timeline and exits 0 only if the call went as the scenario's "expect" says. After the call it
prints the post-call summary (ANALYSIS_SUMMARY, through the emulator's /v1/responses) and what
the call cost by the price table.

--surface live  the agent runs on GPT-Live: the call arrives as both webhooks (Realtime and
                Live), is accepted once on its live_… session, its tools run through
                Responses delegation, and its recording is downloaded after it ends.
Set LOG_LEVEL=info to see the server's own log lines too.
`;

/** The record once its analysis is settled (or as it is when time runs out). */
async function afterTheCall(server: Switchboard, callId: string, timeoutMs: number): Promise<CallDetail | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const call = (await server.records?.getCall(callId)) ?? null;
    const status = call?.analysis?.status;
    if ((call && !call.analysis && call.cost) || status === 'done' || status === 'failed' || Date.now() > until) return call;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function describeAfter(call: CallDetail | null): string {
  if (!call) return '\nAfter the call: no record (the store did not answer in time)\n';
  const lines = ['', 'After the call:'];
  const a = call.analysis;
  if (a?.status === 'done')
    lines.push(
      `  summary  ${a.summary ?? '(none asked for)'}`,
      `           (${a.model}, ${a.tokens?.inputTokens ?? 0} + ${a.tokens?.outputTokens ?? 0} tokens)`,
    );
  else if (a) lines.push(`  summary  ${a.status}${a.error ? `: ${a.error}` : ''}`);
  const c = call.cost;
  if (c) {
    const model = call.model ? ` (${call.model})` : '';
    const parts =
      call.surface === 'live'
        ? [`live session ${formatUsd(c.liveUsd)}${model}`, `analysis ${formatUsd(c.analysisUsd)}`]
        : [
            `realtime ${formatUsd(c.realtimeUsd)}${model}`,
            `transcription ${formatUsd(c.transcriptionUsd)}${call.transcriptionModel ? ` (${call.transcriptionModel})` : ''}`,
            `analysis ${formatUsd(c.analysisUsd)}`,
          ];
    lines.push(`  cost     ${formatUsd(c.totalUsd)}: ${parts.join(', ')}; prices as of ${c.pricesCheckedOn}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function runDemo(argv: string[], write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'timeout-ms': { type: 'string', default: '20000' },
      surface: { type: 'string', default: 'realtime' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    write(help);
    return 0;
  }
  if (values.surface !== 'realtime' && values.surface !== 'live') {
    process.stderr.write(`switchboard demo: --surface is realtime or live\n\n${help}`);
    return 64;
  }
  const live = values.surface === 'live';
  const file = positionals[0] ?? defaultScenario;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ScenarioInput;
  // On Live: a project subscribed to both webhook types, and the call expected on live_….
  const input: ScenarioInput = live
    ? { webhooks: ['realtime', 'live'], ...parsed, expect: { surface: 'live', acceptRequests: 1, ...parsed.expect } }
    : parsed;
  const scenario = parseScenario(input); // fails here, naming the field, before anything starts
  // The stack's throwaway records store keeps the call's record, its cost, its summary and (GPT-Live) its recording.
  const stack = await startLocalStack({
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      STORE_BATCH_MS: '50',
      ANALYSIS_SUMMARY: 'true',
      ...(live ? { AGENT_SURFACE: 'live', RECORDING: 'true' } : {}),
    },
    server: { analysisWorker: { pollMs: 50 }, recordingDownloads: { firstDelayMs: 100 } },
  });
  try {
    write(`Switchboard demo: "${scenario.name ?? 'call'}"${live ? ' on GPT-Live' : ''}\n`);
    write(`  emulator  ${stack.emulator.baseURL}\n  server    ${stack.serverUrl}\n\n`);
    const call = await stack.emulator.placeCall(input);
    // The record is kept under the id of the surface that served the call.
    const recordId = live ? call.liveSessionId : call.id;
    const timeoutMs = Number(values['timeout-ms']);
    const ended = await Promise.race([
      call.ended.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
    write(`${stack.emulator.timeline(call.id)}\n`);
    const failures = ended ? stack.emulator.check(call.id, scenario.expect ?? {}) : [`the call did not end within ${timeoutMs} ms`];
    const answerMs = stack.emulator.call(call.id)?.answerMs;
    if (answerMs != null) write(`\nwebhook sent → accept received: ${answerMs.toFixed(1)} ms\n`);
    if (ended) write(describeAfter(await afterTheCall(stack.server, recordId, 5_000)));
    if (live && ended) {
      const { files, downloader } = stack.server.recordings;
      await downloader.whenIdle();
      const bytes = await files.size(recordId);
      write(
        bytes === null
          ? 'recording: not downloaded\n'
          : `recording: ${bytes} bytes, ${files.path(recordId)} (stereo WAV: caller left, agent right; removed on exit)\n`,
      );
      if (bytes === null) failures.push('the recording was not downloaded');
    }
    if (failures.length === 0) {
      write('\n✔ the call went as the scenario expects\n');
      return 0;
    }
    write(`\n✘ the call did not go as expected:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  } finally {
    await stack.close();
  }
}
