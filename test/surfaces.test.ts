// The same agent behaviour on both surfaces, end to end: the real server with a profile file,
// the emulator and a business API over real sockets. Every call offers both webhooks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProfilesStack, startProfilesStack } from '../src/demo/profiles-stack.ts';
import type { CallRecord, ScenarioInput } from '../src/emulator/index.ts';
import { wavFile } from '../src/tools/audio-clip.ts';
import { captureLogs } from './support/capture-logs.ts';

const tuesday = '2026-03-10T15:00:00Z';
type Surface = 'realtime' | 'live';

let demo: ProfilesStack | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

/** One agent on `surface`; on Live its HTTP tool's filler is a 250 ms clip, on Realtime words. */
function profileFile(surface: Surface, opts: { idle?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-surface-'));
  writeFileSync(join(dir, 'hold.wav'), wavFile(Buffer.alloc(250 * 48)));
  const filler = surface === 'live' ? '{ audio: hold.wav }' : 'Let me check.';
  writeFileSync(
    join(dir, 'switchboard.yaml'),
    `
carrier: { allowedHosts: [67.231.5.0/24] }
httpTools: { signingSecret: "\${TOOLS_SIGNING_SECRET}", fillerMaxMs: 3000 }
agents:
  desk:
    surface: ${surface}
    greeting: Hello, this is the desk.
    transfers: { sales: { to: "+19195554321", description: Sales } }
    dtmf: { interDigitMs: 300, keys: { "0": { action: transfer, to: sales } } }
${opts.idle ? `    idle: { repromptAfterSeconds: 1, hangupAfterSeconds: 2, reprompt: 'Say exactly: "Are you still there?"' }` : ''}
    tools:
      - name: lookup_order
        description: Look up an order.
        parameters: { type: object, properties: { orderId: { type: string } }, required: [orderId], additionalProperties: false }
        url: \${ORDERS_API_URL}
        filler: ${filler}
routing:
  default: { agent: desk }
`,
  );
  return join(dir, 'switchboard.yaml');
}

async function start(surface: Surface, opts: { idle?: boolean } = {}, logger = captureLogs().logger): Promise<ProfilesStack> {
  demo = await startProfilesStack({ file: profileFile(surface, opts), at: tuesday, logger });
  return demo;
}

async function play(d: ProfilesStack, input: ScenarioInput): Promise<CallRecord> {
  const call = await d.stack.emulator.placeCall({ webhooks: ['realtime', 'live'], ...input });
  const record = await call.ended;
  expect(d.stack.emulator.check(call.id, (input.expect ?? {}) as never), d.stack.emulator.timeline(call.id)).toEqual([]);
  return record;
}

const sent = (r: CallRecord) => r.clientEvents.map((e) => e.event as Record<string, any>);

describe.each(['realtime', 'live'] as const)('on %s', (surface) => {
  it('both webhooks for one call → exactly one accept, on the agent’s surface; the other is acknowledged', async () => {
    const d = await start(surface);
    const record = await play(d, { steps: [{ say: 'hello' }], expect: { surface, acceptRequests: 1 } });
    expect(record.webhooks.every((w) => w.status === 200)).toBe(true);
    const other = record.webhooks.find((w) => w.eventType !== (surface === 'live' ? 'live.transport.incoming' : 'realtime.call.incoming'));
    expect(JSON.parse(other?.responseBody ?? '{}')).toMatchObject({ status: 'other_surface', surface });
    expect(d.events.filter((e) => e.type === 'call.accepted')).toHaveLength(1);
  });

  it('HTTP tool with a filler: the filler plays while the request runs, the answer reaches the model after it', async () => {
    const d = await start(surface);
    const record = await play(d, {
      steps: [{ say: 'Where is my order A-17?' }, { call: { name: 'lookup_order', arguments: { orderId: 'A-17' } } }],
      expect: { functionOutputs: 1, errorEvents: 0 },
    });
    expect(JSON.parse(record.functionCalls[0]?.outputs[0]?.output ?? 'null')).toMatchObject({
      ok: true,
      status: 200,
      body: { orderId: 'A-17' },
    });
    expect(d.api.requests).toHaveLength(1);
    const outputAt = record.functionCalls[0]?.outputs[0]?.at ?? 0;
    if (surface === 'live') {
      // A clip, played with session.output_audio.fixture.play, to the end before the output went back.
      expect(record.fixtures).toMatchObject([{ status: 'played', durationMs: 250 }]);
      expect(record.fixtures[0]?.doneAt).toBeLessThanOrEqual(outputAt);
      const play = sent(record).find((e) => e.type === 'session.output_audio.fixture.play');
      expect(Buffer.from(play?.audio, 'base64')).toHaveLength(250 * 48);
      const output = sent(record).findIndex((e) => e.type === 'response.item.create' && e.item.type === 'function_call_output');
      expect(sent(record)[output + 1]).toMatchObject({ type: 'response.create' });
    } else {
      const filler = record.responses.find((r) => r.transcript === 'Let me check.');
      expect(filler?.requestedAt).toBeLessThan(outputAt);
    }
  });

  it('keypad in: typed digits reach the model as context, and "0" transfers', async () => {
    const d = await start(surface);
    const record = await play(d, {
      carrier: 'any',
      steps: [{ dtmf: '1234#' }, { wait: 400 }, { dtmf: '0' }],
      expect: { endedBy: 'refer', errorEvents: 0 },
    });
    const typed = '[keypad] The caller pressed: 1 2 3 4 #';
    if (surface === 'live') {
      const i = sent(record).findIndex((e) => e.type === 'response.item.create' && e.item.content === typed);
      expect(i).toBeGreaterThan(-1);
      expect(sent(record)[i + 1]).toMatchObject({ type: 'response.create' });
    } else {
      expect(sent(record)).toContainEqual(
        expect.objectContaining({
          type: 'conversation.item.create',
          item: expect.objectContaining({ content: [{ type: 'input_text', text: typed }] }),
        }),
      );
    }
    expect(d.events.filter((e) => e.type === 'dtmf').map((e) => e.type === 'dtmf' && [e.digits, e.action])).toEqual([
      ['1234#', null],
      ['0', 'transfer:sales'],
    ]);
    expect(record.refers[0]).toMatchObject({
      surface,
      status: 200,
      targetUri: expect.stringMatching(/^sip:\+19195554321@67\.231\.5\.176:5061/),
    });
  });

  it('idle caller: re-prompted after 1 s of silence, then goodbye and hang-up after 2 s', async () => {
    const d = await start(surface, { idle: true });
    const record = await play(d, { steps: [{ wait: 5_000 }], idleHangupMs: 10_000, expect: { endedBy: 'hangup', hungUp: true } });
    const said = record.transcript.filter((l) => l.speaker === 'agent').map((l) => l.text);
    expect(said).toContain('Are you still there?');
    expect(d.events.find((e) => e.type === 'call.ended')).toMatchObject({ reason: 'idle_timeout' });
  });
});
