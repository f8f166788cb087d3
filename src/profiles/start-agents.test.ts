import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../config/config.ts';
import { isSwitchboardError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import type { AgentPlan } from '../routing/call-plan.ts';
import { parseCallParties } from '../sip/index.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { type AgentsOptions, startAgents } from './start-agents.ts';

const base: Env = { OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==', REFER_TO: '+19195554321' };
const hostileHeaders = [
  { name: 'From', value: '<sip:+12125551234@203.0.113.66>' },
  { name: 'To', value: '<sip:+18005550100@sip.api.openai.com>' },
  { name: 'Contact', value: '<sip:attacker@203.0.113.66:5060>' },
];

function start(env: Env, file: AgentsOptions['file'] = null) {
  const lines: Array<Record<string, any>> = [];
  const log = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) });
  const agents = startAgents(loadConfig({ ...base, ...env }), { log, file });
  const plan = (): AgentPlan => {
    const p = agents.planCall({
      surface: 'realtime',
      callId: 'rtc_1',
      sipHeaders: hostileHeaders,
      parties: parseCallParties(hostileHeaders),
    });
    if (p.kind !== 'accept') throw new Error(p.kind === 'reject' ? `rejected: ${p.reason}` : `on ${p.surface}`);
    return p.agent;
  };
  return { agents, lines, plan };
}

async function operatorTransfer(plan: AgentPlan) {
  const control = new RecordingCallControl();
  const ctx = {
    callId: 'rtc_1',
    parties: parseCallParties(hostileHeaders),
    control,
    log: createLogger('silent'),
    call: { emit: () => {}, markTransferred: () => {} },
  };
  return { result: await plan.transfers.toTarget(ctx, '+14155550123', 'operator transfer', 'operator'), refers: control.refers };
}

describe("the environment's agent", () => {
  it('is a compiled profile: the transfer tool, end_call and the keypad handler', () => {
    const { agents, plan } = start({ GREETING: 'Hi {{ caller }}!' });
    expect(agents.source).toBe('environment');
    const agent = plan();
    expect(agent.profile).toBe('default');
    expect([...agent.tools.keys()]).toEqual(['transfer_call', 'end_call']);
    expect(agent.extensions).toHaveLength(1); // keypad: digits reach the model
    expect(agent.greeting).toBe('Hi +12125551234!');
  });

  it('restores the plan of a call taken over by its agent name, from its SIP headers; an unknown agent gives none', () => {
    const { agents } = start({ GREETING: 'Hi {{ caller }}!' });
    const agent = agents.restorePlan({ callId: 'rtc_9', profile: 'default', sipHeaders: hostileHeaders });
    expect(agent?.profile).toBe('default');
    expect(agent?.greeting).toBe('Hi +12125551234!');
    expect([...(agent?.tools.keys() ?? [])]).toEqual(['transfer_call', 'end_call']);
    expect(agents.restorePlan({ callId: 'rtc_9', profile: 'gone_agent', sipHeaders: hostileHeaders })).toBeNull();
  });

  it('names the variable when its instructions are not a valid template', () => {
    try {
      start({ AGENT_INSTRUCTIONS: 'Greet {{ customer }}.' });
      expect.unreachable();
    } catch (err) {
      expect(isSwitchboardError(err, 'SB_CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toContain('AGENT_INSTRUCTIONS: unknown variable "customer"');
    }
  });

  it('warns at startup without CARRIER_ALLOWED_HOSTS, and then trusts the Contact host', async () => {
    const { lines, plan } = start({});
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'configuration warnings', warnings: [expect.stringMatching(/^CARRIER_ALLOWED_HOSTS: not set/)] }),
    );
    expect((await operatorTransfer(plan())).result).toEqual({ ok: true, uri: 'sip:+14155550123@203.0.113.66:5060' });
  });

  it('on GPT-Live: names AGENT_VOICE when it is not a Live voice, and lists the Live and delegated models', () => {
    const { agents, lines, plan } = start({ AGENT_SURFACE: 'live', AGENT_VOICE: 'bogus', CARRIER_ALLOWED_HOSTS: '67.231.5.0/24' });
    const warned = lines.find((l) => l.msg === 'configuration warnings');
    expect(warned?.warnings).toEqual([expect.stringMatching(/^AGENT_VOICE: "bogus" is not a GPT-Live voice/)]);
    expect(agents.current().models).toEqual(['gpt-live-1', 'gpt-5.4-mini']);
    expect(plan).toThrow('on live'); // its Realtime webhook is left alone
    const realtime = start({ CARRIER_ALLOWED_HOSTS: '67.231.5.0/24' });
    expect(realtime.agents.current().models).toEqual(['gpt-realtime-2.1', 'gpt-transcribe']);
  });

  it('with CARRIER_ALLOWED_HOSTS never uses a Contact host off the list: REFER_SIP_HOST or nothing', async () => {
    const strict = start({ CARRIER_ALLOWED_HOSTS: '67.231.5.0/24' });
    expect(strict.lines.filter((l) => l.msg === 'configuration warnings')).toEqual([]);
    const refused = await operatorTransfer(strict.plan());
    expect(refused.result).toMatchObject({ ok: false, error: 'no_sip_host' });
    expect(refused.refers).toEqual([]);
    const fallback = start({ CARRIER_ALLOWED_HOSTS: '67.231.5.0/24', REFER_SIP_HOST: '67.231.5.10:5061' });
    expect((await operatorTransfer(fallback.plan())).result).toEqual({ ok: true, uri: 'sip:+14155550123@67.231.5.10:5061' });
  });
});

describe('a profile file without carrier.allowedHosts', () => {
  it('takes CARRIER_ALLOWED_HOSTS, and check does not warn then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-agents-'));
    const path = join(dir, 'switchboard.yaml');
    writeFileSync(path, 'agents:\n  desk: {}\nrouting:\n  default: { agent: desk }\n');
    const { agents, lines, plan } = start({ CARRIER_ALLOWED_HOSTS: '67.231.5.0/24' }, { path, env: {}, watch: false });
    expect(agents.source).toBe('file');
    expect(lines.filter((l) => l.msg === 'profile file warnings')).toEqual([]);
    expect((await operatorTransfer(plan())).result).toMatchObject({ ok: false, error: 'no_sip_host' });
    agents.close();
  });
});
