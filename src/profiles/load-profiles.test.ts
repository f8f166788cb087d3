import { describe, expect, it } from 'vitest';
import { planAndReserve } from '../../test/support/plan-and-reserve.ts';
import { CallCounter } from '../routing/call-counter.ts';
import type { AgentPlan, CallPlan } from '../routing/call-plan.ts';
import { createPlanCall } from '../routing/plan-call.ts';
import { parseCallParties, type SipHeader } from '../sip/index.ts';
import { agentDefaultsFromEnv } from './agent-defaults.ts';
import { loadProfilesFile } from './load-profiles.ts';

const env = {
  TOOLS_SIGNING_SECRET: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`,
  REFER_TO: '+19195550000',
};

function example(at: string, extraEnv: Record<string, string> = {}) {
  const clock = () => Date.parse(at);
  const e = { ...env, ...extraEnv };
  const result = loadProfilesFile('switchboard.example.yaml', { env: e, defaults: agentDefaultsFromEnv(e), clock });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const counter = new CallCounter();
  const planCall = createPlanCall({ snapshot: () => result.profiles, counter, now: clock });
  let n = 0;
  const call = (from: string, to: string, extra: SipHeader[] = []): CallPlan => {
    const sipHeaders = [
      { name: 'From', value: `<sip:${from}@67.231.5.176>;tag=1` },
      { name: 'To', value: `<sip:${to}@sip.api.openai.com>` },
      { name: 'Contact', value: '<sip:67.231.5.176:5061;transport=tls>' },
      ...extra,
    ];
    return planAndReserve(planCall, { surface: 'realtime', callId: `rtc_${++n}`, sipHeaders, parties: parseCallParties(sipHeaders) });
  };
  return { call, counter, profiles: result.profiles };
}

const accepted = (plan: CallPlan): AgentPlan => {
  if (plan.kind !== 'accept') throw new Error(plan.kind === 'reject' ? `rejected: ${plan.reason}` : `on ${plan.surface}`);
  return plan.agent;
};

// Tuesday 10 March 2026, 11:00 in New York (EDT), 10:00 in Chicago.
const tuesday = '2026-03-10T15:00:00Z';
const saturday = '2026-03-14T15:00:00Z';
const christmas = '2026-12-25T15:00:00Z'; // a Friday, 10:00 EST

describe('the example file, compiled', () => {
  it('routes Chicago callers of the support line to support, with its templates rendered', () => {
    const agent = accepted(example(tuesday).call('+13125551234', '+19195550100', [{ name: 'X-Account-Id', value: 'ACME-77' }]));
    expect(agent.profile).toBe('support');
    expect(agent.greeting).toBe('Acme Plumbing support, Tuesday 10:00 AM. What can I do for you?');
    expect(agent.acceptParams.instructions).toContain(
      'You are the support line of Acme Plumbing. It is Tuesday, March 10, 2026, 10:00 AM (America/Chicago).',
    );
    expect(agent.acceptParams.instructions).toContain('The caller is +13125551234; their account id, if the carrier sent it, is ACME-77.');
    expect(agent.acceptParams.audio?.output?.voice).toBe('cedar');
    expect(agent.acceptParams.tools?.map((t) => ('name' in t ? t.name : ''))).toEqual([
      'transfer_call',
      'end_call',
      'lookup_order',
      'book_visit',
    ]);
    expect([...agent.tools.keys()]).toEqual(['transfer_call', 'end_call', 'lookup_order', 'book_visit']);
  });

  it('routes other callers of the support line by hours: support when open, after-hours when closed', () => {
    expect(accepted(example(tuesday).call('+12125551234', '+19195550101')).profile).toBe('support');
    const night = accepted(example(saturday).call('+12125551234', '+19195550100'));
    expect(night.profile).toBe('after-hours');
    expect(night.greeting).toBe(
      'You have reached Acme Plumbing after hours. I can take a message or put you through to our emergency technician.',
    );
    expect(night.acceptParams.audio?.input?.turn_detection).toEqual({ type: 'server_vad', idle_timeout_ms: 8000 });
    expect(accepted(example(christmas).call('+12125551234', '+19195550100')).profile).toBe('after-hours');
  });

  it('rejects the fax line after hours with its status, and blocked callers with theirs', () => {
    expect(example(saturday).call('+12125551234', '+19195550199')).toEqual({ kind: 'reject', statusCode: 480, reason: 'after_hours' });
    expect(accepted(example(tuesday).call('+12125551234', '+19195550199')).profile).toBe('reception');
    expect(example(tuesday).call('+19005559999', '+19195550100')).toEqual({ kind: 'reject', statusCode: 603, reason: 'blocked_caller' });
  });

  it('sends every other number to reception, with its accept settings and department transfer tool', () => {
    const agent = accepted(example(tuesday).call('+12125551234', '+18005550000'));
    expect(agent.profile).toBe('reception');
    expect(agent.greeting).toBe('Thank you for calling Acme Plumbing. How can I help you today?');
    expect(agent.acceptParams).toMatchObject({
      type: 'realtime',
      model: 'gpt-realtime-2.1',
      audio: {
        input: {
          transcription: { model: 'gpt-transcribe', language: 'en' },
          turn_detection: { type: 'semantic_vad', eagerness: 'auto', interrupt_response: true },
        },
        output: { voice: 'marin' },
      },
    });
    const transfer = agent.acceptParams.tools?.[0] as { parameters: { properties: { destination: { enum: string[] } } } };
    expect(transfer.parameters.properties.destination.enum).toEqual(['sales', 'billing', 'operator']);
    expect(agent.extensions).toHaveLength(3); // keypad, idle, max duration
  });

  it('caps concurrent calls overall from ${MAX_CALLS} with 486', () => {
    const { call, counter } = example(tuesday, { MAX_CALLS: '2' });
    accepted(call('+12125551234', '+18005550000'));
    accepted(call('+12125551235', '+18005550000'));
    expect(call('+12125551236', '+18005550000')).toEqual({ kind: 'reject', statusCode: 486, reason: 'overall_limit' });
    counter.release('rtc_1');
    accepted(call('+12125551236', '+18005550000'));
  });
});
