import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.ts';
import { type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const loadScenario = async (name: string): Promise<ScenarioInput> =>
  JSON.parse(await readFile(new URL(`./scenarios/${name}`, import.meta.url), 'utf8')) as ScenarioInput;
const quick = { idleHangupMs: 300, greetingWaitMs: 500 };
// The same scenarios, offered to the Live surface too: the agent accepts the live_… session.
const onLive: ScenarioInput = { webhooks: ['realtime', 'live'] };

describe('scenarios on the GPT-Live surface (end to end with a minimal SDK server)', () => {
  let emu: Emulator;
  let agent: TestAgent;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, playbackMs: 30, webhookRetryDelaysMs: [20, 40] });
    agent = await startTestAgent({ baseURL: emu.baseURL, apiKey, webhookSecret, surface: 'live' });
    emu.setWebhookUrl(agent.url);
  });
  afterEach(async () => {
    await emu.close();
    await agent.close();
  });

  it('plays transfer.json on Live: both webhooks, one accept on live_…, delegated transfer_call, refer', async () => {
    const scenario = await loadScenario('transfer.json');
    const placed = await emu.placeCall({
      ...scenario,
      ...quick,
      ...onLive,
      expect: { ...scenario.expect, surface: 'live', acceptRequests: 1 },
    });
    const record = await placed.ended;
    expect(emu.check(placed.id, { ...scenario.expect, surface: 'live', acceptRequests: 1, closeReason: 'remote_hangup' })).toEqual([]);
    // Both webhooks carried the same INVITE headers; the agent saw both and accepted one.
    expect(new Set(record.webhooks.map((w) => w.eventType))).toEqual(new Set(['realtime.call.incoming', 'live.transport.incoming']));
    expect(agent.verified.map((v) => v.callId).sort()).toEqual([placed.id, placed.liveSessionId].sort());
    expect(record.accepts).toMatchObject([{ surface: 'live', status: 200 }]);
    const timeline = emu.timeline(placed.id);
    expect(timeline).toContain('live model=gpt-live-1 voice=marin delegation=responses(gpt-5.2) tools=[transfer_call,end_call] store=off');
    expect(timeline).toContain('greeting requested (response.create)');
    expect(timeline).toContain('tool call transfer_call({"reason":"wants a person"})');
    expect(timeline).toContain('refer → sip:+19195554321@67.231.5.176:5061;transport=tls');
    expect(timeline).toContain('session.closed remote_hangup');
    expect(record.transcript.map((l) => l.text)).toContain('Hello! Thanks for calling.');
    expect(record.usageSeconds).toBeGreaterThan(0);
    expect(agent.errors).toEqual([]);
  });

  it('plays end-call.json on Live: goodbye through the backend, hangup closes the session as close_requested', async () => {
    const scenario = await loadScenario('end-call.json');
    const placed = await emu.placeCall({ ...scenario, ...quick, webhooks: ['live'] });
    const record = await placed.ended;
    expect(emu.check(placed.id, { ...scenario.expect, surface: 'live', closeReason: 'close_requested' })).toEqual([]);
    expect(record.transcript.map((l) => l.text)).toContain('Goodbye!');
  });

  it('the first successful accept chooses the surface: the Realtime agent takes the call, the Live webhook is only acknowledged', async () => {
    const realtimeAgent = await startTestAgent({ baseURL: emu.baseURL, apiKey, webhookSecret, surface: 'realtime' });
    emu.setWebhookUrl(realtimeAgent.url);
    try {
      const placed = await emu.placeCall({ ...quick, webhooks: ['live', 'realtime'], steps: [{ say: 'hello' }] });
      const record = await placed.ended;
      expect(record.surface).toBe('realtime');
      expect(record.accepts).toMatchObject([{ surface: 'realtime', status: 200 }]);
      expect(record.webhooks.every((w) => w.status === 200)).toBe(true);
    } finally {
      await realtimeAgent.close();
    }
  });

  it("sends caller DTMF as transport.dtmf.received and the caller's words as input transcript deltas", async () => {
    const placed = await emu.placeCall({ ...quick, webhooks: ['live'], steps: [{ say: 'press one two' }, { dtmf: '1#' }] });
    const record = await placed.ended;
    expect(record.dtmf.map((d) => d.digit)).toEqual(['1', '#']);
    expect(record.speech.filter((s) => s.speaker === 'caller')).toHaveLength(1);
    expect(record.transcript).toContainEqual(expect.objectContaining({ speaker: 'caller', text: 'press one two' }));
  });

  it('continues after a sideband drop once the SDK reconnects', async () => {
    const placed = await emu.placeCall({
      ...quick,
      webhooks: ['live'],
      steps: [{ drop: true }, { say: 'are you still there?' }, { hangup: true }],
    });
    const record = await placed.ended;
    expect(record.connectionCount).toBe(2);
    expect(record.connections[0]?.closedBy).toBe('drop');
    expect(record.closeReason).toBe('remote_hangup');
    expect(record.connections[1]?.closeCode).toBe(1000);
  });

  it('records an issue when the model is asked to call a tool the delegation does not offer', async () => {
    const placed = await emu.placeCall({ ...quick, webhooks: ['live'], steps: [{ call: { name: 'no_such_tool' } }] });
    const record = await placed.ended;
    expect(record.issues.map((i) => i.message)).toContainEqual(
      expect.stringContaining('no_such_tool: it is not in delegation.responses.tools'),
    );
  });
});
