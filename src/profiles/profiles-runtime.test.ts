import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planAndReserve } from '../../test/support/plan-and-reserve.ts';
import { createLogger } from '../log/logger.ts';
import type { AgentPlan, CallPlan } from '../routing/call-plan.ts';
import { parseCallParties } from '../sip/index.ts';
import { agentDefaultsFromEnv } from './agent-defaults.ts';
import { type ProfilesRuntime, startProfiles } from './profiles-runtime.ts';

const file = (greeting: string, extra = '') => `
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  front:
    greeting: ${greeting}
    transfers: { sales: { to: "+19195554321", description: Sales } }
${extra}
routing:
  default: { agent: front }
`;

function logs() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { log, lines };
}

let runtime: ProfilesRuntime | undefined;
afterEach(() => runtime?.close());

function setup(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-profiles-'));
  const path = join(dir, 'switchboard.yaml');
  writeFileSync(path, text);
  const { log, lines } = logs();
  let onChange: ((name: string | null) => void) | undefined;
  const started = startProfiles({
    path,
    env: {},
    defaults: agentDefaultsFromEnv({}),
    log,
    debounceMs: 0,
    watchFn: (_dir, cb) => {
      onChange = cb;
      return { close: () => {} };
    },
  });
  if (!started.ok) throw new Error(JSON.stringify(started.problems));
  runtime = started.runtime;
  let n = 0;
  const call = (): CallPlan => {
    const headers = [
      { name: 'From', value: '<sip:+12125551234@h>' },
      { name: 'To', value: '<sip:+18005550100@h>' },
    ];
    return planAndReserve(started.runtime.planCall, {
      surface: 'realtime',
      callId: `rtc_${++n}`,
      sipHeaders: headers,
      parties: parseCallParties(headers),
    });
  };
  return { path, lines, call, runtime: started.runtime, fileChanged: (name: string | null) => onChange?.(name) };
}

const agent = (plan: CallPlan): AgentPlan => {
  if (plan.kind !== 'accept') throw new Error(plan.kind === 'reject' ? plan.reason : `on ${plan.surface}`);
  return plan.agent;
};

describe('reloading the profile file', () => {
  it('swaps the config on SIGHUP; a call already planned keeps its profile', () => {
    const s = setup(file('Hello from A'));
    const live = agent(s.call());
    writeFileSync(s.path, file('Hello from B', '    voice: cedar'));
    expect(s.runtime.reload('SIGHUP')).toBe(true);
    const next = agent(s.call());
    expect(next.greeting).toBe('Hello from B');
    expect(next.acceptParams.audio?.output?.voice).toBe('cedar');
    // The live call's plan is its own: greeting, accept body, tools.
    expect(live.greeting).toBe('Hello from A');
    expect(live.acceptParams.audio?.output?.voice).toBe('marin');
    expect(s.lines).toContainEqual(expect.objectContaining({ msg: 'profile file reloaded', trigger: 'SIGHUP', agents: 1 }));
  });

  it('refuses a bad file, keeps the previous config and logs why', () => {
    const s = setup(file('Hello from A'));
    writeFileSync(s.path, file('Hello from B', '    maxCallSeconds: forever'));
    expect(s.runtime.reload('SIGHUP')).toBe(false);
    expect(agent(s.call()).greeting).toBe('Hello from A');
    const refused = s.lines.find((l) => l.msg === 'profile file refused: keeping the previous one');
    expect(refused).toMatchObject({ level: 50, trigger: 'SIGHUP' });
    expect(refused?.problems).toEqual([`${s.path}:7:5: agents.front.maxCallSeconds: expected a number`]);
  });

  it('reloads when the file changes, ignoring other files and unchanged content', async () => {
    const s = setup(file('Hello from A'));
    writeFileSync(s.path, file('Hello from C'));
    s.fileChanged('other.yaml');
    expect(agent(s.call()).greeting).toBe('Hello from A');
    s.fileChanged('switchboard.yaml');
    await vi.waitFor(() => expect(agent(s.call()).greeting).toBe('Hello from C'));
    const reloads = () => s.lines.filter((l) => l.msg === 'profile file reloaded').length;
    expect(reloads()).toBe(1);
    s.fileChanged('switchboard.yaml'); // same content: nothing to do
    await new Promise((r) => setTimeout(r, 20));
    expect(reloads()).toBe(1);
  });

  it('keeps counting live calls across a reload, for the caps', () => {
    const s = setup(file('A', '    maxConcurrentCalls: 1'));
    agent(s.call());
    writeFileSync(s.path, file('B', '    maxConcurrentCalls: 1'));
    s.runtime.reload('SIGHUP');
    expect(s.call()).toEqual({ kind: 'reject', statusCode: 486, reason: 'profile_limit:front' });
    s.runtime.onEvent({ type: 'call.ended', callId: 'rtc_1', reason: 'caller_hangup', endedAt: 0 });
    expect(agent(s.call()).greeting).toBe('B');
  });
});
