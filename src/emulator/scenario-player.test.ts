import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.ts';
import { type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const loadScenario = async (name: string): Promise<ScenarioInput> =>
  JSON.parse(await readFile(new URL(`./scenarios/${name}`, import.meta.url), 'utf8')) as ScenarioInput;
// Shorter waits so the suite runs quickly; behaviour is unchanged.
const quick = { idleHangupMs: 300, greetingWaitMs: 500 };

describe('scenario player (end to end with a minimal server)', () => {
  let emu: Emulator;
  let agent: TestAgent;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, playbackMs: 30, webhookRetryDelaysMs: [20, 40] });
    agent = await startTestAgent({ baseURL: emu.baseURL, apiKey, webhookSecret });
    emu.setWebhookUrl(agent.url);
  });
  afterEach(async () => {
    await emu.close();
    await agent.close();
  });

  it('plays transfer.json: greeting, caller asks for a person, transfer_call, refer ends the call', async () => {
    const scenario = await loadScenario('transfer.json');
    const placed = await emu.placeCall({ ...scenario, ...quick });
    const record = await placed.ended;
    expect(emu.check(placed.id, scenario.expect ?? {})).toEqual([]);
    expect(record.endedBy).toBe('refer');
    expect(record.connections[0]?.closeCode).toBe(1000);
    const timeline = emu.timeline(placed.id);
    expect(timeline).toContain('greeting requested');
    expect(timeline).toContain(`caller   "Hi, I'd like to speak to a person."`);
    expect(timeline).toContain('tool call transfer_call({"reason":"wants a person"})');
    expect(timeline).toContain('refer → sip:+19195554321@67.231.5.176:5061;transport=tls');
    expect(timeline).toContain('call ended (refer)');
    expect(agent.errors).toEqual([]);
  });

  it('plays end-call.json: the server answers end_call, says goodbye and hangs up', async () => {
    const scenario = await loadScenario('end-call.json');
    const placed = await emu.placeCall({ ...scenario, ...quick });
    const record = await placed.ended;
    expect(emu.check(placed.id, scenario.expect ?? {})).toEqual([]);
    expect(record.transcript.map((l) => l.text)).toContain('Goodbye!');
  });

  it('plays refer-fails.json: the refer answers 500 and the tool output carries the failure', async () => {
    const scenario = await loadScenario('refer-fails.json');
    const placed = await emu.placeCall({ ...scenario, ...quick });
    const record = await placed.ended;
    expect(emu.check(placed.id, scenario.expect ?? {})).toEqual([]);
    expect(record.refers.map((r) => r.status)).toEqual([500]);
    expect(record.functionCalls[0]?.outputs[0]?.output).toContain('"ok":false');
    expect(record.endedBy).toBe('caller');
  });

  it('reports unmet expectations', async () => {
    const placed = await emu.placeCall({ ...quick, steps: [{ say: 'hello' }] });
    await placed.ended;
    const unmet = emu.check(placed.id, { endedBy: 'refer', functionOutputs: 2, transcriptIncludes: ['pineapple'] });
    expect(unmet).toEqual([
      'endedBy: expected "refer", got "caller"',
      'functionOutputs: expected 2, got 0',
      'transcriptIncludes: "pineapple" was not said',
    ]);
  });

  it('continues after a drop once the server reconnects, and counts the connections', async () => {
    const placed = await emu.placeCall({ ...quick, steps: [{ drop: true }, { say: 'are you still there?' }, { hangup: true }] });
    const record = await placed.ended;
    expect(record.connectionCount).toBe(2);
    expect(record.connections[0]?.closedBy).toBe('drop');
    expect(record.connections[0]?.closeCode).toBe(1006);
    expect(record.transcript.some((l) => l.text === 'are you still there?')).toBe(true);
    expect(record.endedBy).toBe('caller');
    expect(record.connections[1]?.closeCode).toBe(1000);
  });

  it('sends caller DTMF as dtmf_event_received and records it', async () => {
    const placed = await emu.placeCall({ ...quick, steps: [{ dtmf: '0#' }] });
    const record = await placed.ended;
    expect(record.dtmf.map((d) => d.digit)).toEqual(['0', '#']);
  });

  it('records an issue when the function call output never comes', async () => {
    const silent = await startTestAgent({ baseURL: emu.baseURL, apiKey, webhookSecret, greet: false, ignoreTools: true });
    emu.setWebhookUrl(silent.url);
    try {
      const placed = await emu.placeCall({ ...quick, toolTimeoutMs: 200, steps: [{ call: { name: 'no_such_tool' } }] });
      const record = await placed.ended;
      expect(record.issues.map((i) => i.message)).toContainEqual(expect.stringContaining('no function_call_output for no_such_tool'));
      expect(emu.check(placed.id, { greeted: false })).toEqual([]);
    } finally {
      await silent.close();
    }
  });
});
