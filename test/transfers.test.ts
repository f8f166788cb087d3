// One transfer path, end to end: the real server and the emulator over real sockets.
// The operator's transfer goes under the same carrier policy as the agent's, and the
// environment's agent (no profile file) handles the keypad like a profile's.
import { afterEach, describe, expect, it } from 'vitest';
import { type ProfilesStack, startProfilesStack } from '../src/demo/profiles-stack.ts';
import type { ScenarioInput } from '../src/emulator/index.ts';
import { type LocalStack, startLocalStack } from '../src/testing/local-stack.ts';
import { captureLogs } from './support/capture-logs.ts';
import { waitFor } from './support/records-stack.ts';

const token = 'transfers-token-0123456789';
const carrierEdge = '67.231.5.0/24';
// A caller's own SIP server can put any host in the Contact header.
const hostileCall: ScenarioInput = {
  from: '+12125551234',
  to: '+18005550000',
  contact: '<sip:attacker@203.0.113.66:5060;transport=tcp>',
  carrier: 'any', // the emulator takes a REFER to any host: what the server sends is what is checked
  idleHangupMs: 30_000,
  steps: [{ say: 'hello?' }, { wait: 20_000 }],
};

let stack: LocalStack | undefined;
let demo: ProfilesStack | undefined;
afterEach(async () => {
  await stack?.close();
  await demo?.close();
  stack = undefined;
  demo = undefined;
});

async function operatorTransfer(s: LocalStack, input: ScenarioInput, target: string) {
  const call = await s.emulator.placeCall(input);
  await waitFor(() => s.server.liveCalls.get(call.id)?.isLive, 'the live call');
  const res = await fetch(`${s.serverUrl}/api/calls/${call.id}/transfer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target }),
  });
  return { call, status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('operator transfer on a call whose Contact host is off the carrier allow-list', () => {
  it('environment only: the REFER goes to REFER_SIP_HOST, never to the Contact host', async () => {
    const logs = captureLogs();
    stack = await startLocalStack({
      logger: logs.logger,
      env: { API_TOKEN: token, CARRIER_ALLOWED_HOSTS: carrierEdge, REFER_SIP_HOST: '67.231.5.10:5061' },
    });
    const { call, status, body } = await operatorTransfer(stack, hostileCall, '+14155550123');
    expect(status).toBe(200);
    expect(body).toEqual({ callId: call.id, status: 'transferring', target: 'sip:+14155550123@67.231.5.10:5061' });
    const emulated = await call.ended;
    expect(emulated.refers.map((r) => r.targetUri)).toEqual(['sip:+14155550123@67.231.5.10:5061']);
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        msg: 'contact host is not on the carrier allow-list: not used for the transfer',
        callId: call.id,
        by: 'operator',
      }),
    );
  });

  it('environment only, no fallback host: refused with 422 no_sip_host saying why, and nothing is sent', async () => {
    stack = await startLocalStack({ env: { API_TOKEN: token, CARRIER_ALLOWED_HOSTS: carrierEdge } });
    const { call, status, body } = await operatorTransfer(stack, hostileCall, '+14155550123');
    expect(status).toBe(422);
    expect(body).toEqual({
      error: 'no_sip_host',
      message: expect.stringContaining("the INVITE's Contact host is not on the carrier allow-list"),
    });
    expect(stack.emulator.call(call.id)?.refers).toEqual([]);
    expect(stack.server.liveCalls.get(call.id)?.isLive).toBe(true); // the call goes on
    await stack.server.liveCalls.get(call.id)?.hangup('operator_hangup');
  });

  it('with a profile file: the operator transfer goes to carrier.fallbackHost, as the agent’s own transfer does', async () => {
    demo = await startProfilesStack({
      file: 'switchboard.example.yaml',
      at: '2026-03-10T15:00:00Z',
      env: { API_TOKEN: token },
      logger: captureLogs().logger,
    });
    const { call, status, body } = await operatorTransfer(demo.stack, hostileCall, '+14155550123');
    expect(status).toBe(200);
    // The example's transfer context rides along, as on every transfer of that agent.
    expect(String(body.target)).toMatch(/^sip:\+14155550123@67\.231\.5\.176:5061\?User-to-User=/);
    const emulated = await call.ended;
    expect(emulated.refers.map((r) => r.targetUri)).toEqual([body.target]);
    expect(emulated.refers[0]?.targetUri).not.toContain('203.0.113.66');
  });
});

describe('keypad input without a profile file', () => {
  it('reaches the model as a user message, and the model is asked to answer it', async () => {
    stack = await startLocalStack();
    const call = await stack.emulator.placeCall({ idleHangupMs: 3_000, steps: [{ dtmf: '1234#' }, { wait: 300 }, { hangup: true }] });
    const record = await call.ended;
    const events = record.clientEvents.map((e) => e.event as Record<string, any>);
    const typed = events.findIndex((e) => e.type === 'conversation.item.create');
    expect(events[typed]).toEqual({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '[keypad] The caller pressed: 1 2 3 4 #' }] },
    });
    expect(events.slice(typed + 1).some((e) => e.type === 'response.create')).toBe(true);
  });
});
