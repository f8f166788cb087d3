import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../calls/call-events.ts';
import { BusinessHours, type OpenRange, parseRange } from '../hours/business-hours.ts';
import { createLogger } from '../log/logger.ts';
import { HostAllowList } from '../sip/host-allow-list.ts';
import { parseCallParties } from '../sip/index.ts';
import { decodeUserToUser } from '../sip/user-to-user.ts';
import { compileTemplate, type Template } from '../templates/template.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import type { ToolContext } from '../tools/tool.ts';
import { transferCallTool } from '../tools/transfer-call.ts';
import type { ContextHeader } from './context-headers.ts';
import { createTransfers, type Destination } from './transfer.ts';

const tpl = (s: string): Template => {
  const r = compileTemplate(s, () => true);
  if (!r.ok) throw new Error(r.problems.join());
  return r.template;
};
const day = parseRange('09:00-17:00') as OpenRange;
const billingHours = new BusinessHours({ timeZone: 'America/New_York', weekly: [[day], [day], [day], [day], [day], [], []], closures: [] });
const departments: Destination[] = [
  { name: 'sales', to: '+19195554321', description: 'New orders.', hours: null },
  { name: 'billing', to: '+19195554322', description: 'Invoices.', hours: billingHours },
  { name: 'operator', to: 'sip:operator@pbx.example.com;transport=tls', description: 'A person at the front desk.', hours: null },
];
const mondayNoonNY = Date.parse('2026-03-09T16:00:00Z');
const saturdayNY = Date.parse('2026-03-14T16:00:00Z');

function harness(
  contact: string,
  opts: { fallbackHost?: string | null; context?: ContextHeader[]; at?: number; referFails?: boolean; referTimeoutMs?: number } = {},
) {
  const events: CallEvent[] = [];
  let transferred = false;
  const control = new RecordingCallControl({ referFails: opts.referFails ?? false });
  const refers = control.refers;
  const headers = [
    { name: 'From', value: '<sip:+12125551234@67.231.5.176>;tag=1' },
    { name: 'To', value: '<sip:+18005550100@sip.api.openai.com>' },
    { name: 'Contact', value: contact },
  ];
  const ctx: ToolContext = {
    callId: 'rtc_abc',
    parties: parseCallParties(headers),
    control,
    log: createLogger('silent'),
    call: {
      say: async () => {},
      hangup: async () => {},
      markTransferred: () => void (transferred = true),
      emit: (e) => void events.push(e),
    },
  };
  const transfers = createTransfers({
    destinations: departments,
    policy: {
      carrier: { allowList: new HostAllowList(['67.231.5.0/24']), fallbackHost: opts.fallbackHost ?? null },
      context: opts.context ?? [],
      profile: 'front-desk',
      business: 'Acme',
      referTimeoutMs: opts.referTimeoutMs ?? 5_000,
      logPii: false,
    },
    clock: () => opts.at ?? mondayNoonNY,
  });
  const tool = transferCallTool(transfers, opts.at ?? mondayNoonNY);
  return { control, refers, events, ctx, tool, transfers, transferred: () => transferred };
}

describe('transfer_call with named destinations', () => {
  it('offers the destinations as an enum with descriptions, marking closed ones', () => {
    const { tool } = harness('<sip:67.231.5.176:5061;transport=tls>', { at: saturdayNY });
    const params = tool.definition.parameters as { properties: { destination: { enum: string[] } }; required: string[] };
    expect(params.properties.destination.enum).toEqual(['sales', 'billing', 'operator']);
    expect(params.required).toEqual(['destination']);
    expect(tool.definition.description).toContain('- sales: New orders.\n');
    expect(tool.definition.description).toContain('- billing: Invoices. CLOSED right now (opens Monday 2026-03-16 at 09:00)');
    expect(harness('<sip:67.231.5.176>').tool.definition.description).not.toContain('CLOSED');
  });

  it('refers to the number on the allowed Contact host, keeping the transport', async () => {
    const h = harness('<sip:67.231.5.176:5061;transport=tls>');
    const result = await h.tool.run({ destination: 'sales', reason: 'new order' }, h.ctx);
    expect(result.output).toEqual({ ok: true, status: 'transferring', destination: 'sales' });
    expect(h.refers).toEqual(['sip:+19195554321@67.231.5.176:5061;transport=tls']);
    expect(h.transferred()).toBe(true);
  });

  it('never dials a closed department: the agent is told when it opens', async () => {
    const h = harness('<sip:67.231.5.176:5061>', { at: saturdayNY });
    const result = await h.tool.run({ destination: 'billing', reason: 'invoice' }, h.ctx);
    expect(h.refers).toEqual([]);
    expect(result.output).toMatchObject({ ok: false, error: 'closed', destination: 'billing', opensAt: 'Monday 2026-03-16 at 09:00' });
    expect(result.followUp).toMatchObject({ kind: 'instruct' });
    // Same department while open: dialled.
    const open = harness('<sip:67.231.5.176:5061>');
    await open.tool.run({ destination: 'billing' }, open.ctx);
    expect(open.refers).toEqual(['sip:+19195554322@67.231.5.176:5061']);
  });

  it('refuses a hostile Contact host: falls back to the configured host', async () => {
    const h = harness('<sip:attacker@203.0.113.66:5060>', { fallbackHost: '67.231.5.10:5061' });
    await h.tool.run({ destination: 'sales' }, h.ctx);
    expect(h.refers).toEqual(['sip:+19195554321@67.231.5.10:5061']);
  });

  it('refuses a hostile Contact host: without a fallback the transfer fails politely and nothing is sent', async () => {
    const h = harness('<sip:attacker@evil.example.com>');
    const result = await h.tool.run({ destination: 'sales' }, h.ctx);
    expect(h.refers).toEqual([]);
    expect(result.output).toMatchObject({ ok: false, error: 'no_sip_host' });
    expect(result.followUp).toMatchObject({ kind: 'instruct' });
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'transfer.completed', ok: false, error: 'no_sip_host' }));
  });

  it('uses a configured sip: destination as it is, whatever the Contact', async () => {
    const h = harness('<sip:attacker@evil.example.com>');
    await h.tool.run({ destination: 'operator' }, h.ctx);
    expect(h.refers).toEqual(['sip:operator@pbx.example.com;transport=tls']);
  });

  it('attaches the context as User-to-User (hex) and an X- header, percent-encoded', async () => {
    const context: ContextHeader[] = [
      { name: 'User-to-User', encoding: 'hex', maxBytes: 64, value: tpl('{{callId}}|{{reason}}') },
      { name: 'X-Transfer-Reason', encoding: 'text', maxBytes: 32, value: tpl('{{destination}}: {{reason}}') },
    ];
    const h = harness('<sip:67.231.5.176:5061;transport=tls>', { context });
    await h.tool.run({ destination: 'sales', reason: 'Wants 3 boxes; ASAP & "cheap"\n' }, h.ctx);
    const uri = h.refers[0] ?? '';
    const [base, query] = uri.split('?') as [string, string];
    expect(base).toBe('sip:+19195554321@67.231.5.176:5061;transport=tls');
    const pairs = query.split('&').map((p) => p.split('=') as [string, string]);
    expect(pairs.map(([k]) => k)).toEqual(['User-to-User', 'X-Transfer-Reason']);
    for (const [, v] of pairs) expect(v).toMatch(/^[A-Za-z0-9\-_.!~*'()[\]/?:+$%]*$/); // nothing unescaped
    const uui = decodeURIComponent(pairs[0]?.[1] ?? '');
    expect(decodeUserToUser(uui)).toEqual({ data: 'rtc_abc|Wants 3 boxes; ASAP & "cheap"', encoding: 'hex' });
    expect(decodeURIComponent(pairs[1]?.[1] ?? '')).toBe('sales: Wants 3 boxes; ASAP & "ch'); // capped at 32 bytes
  });

  it('reports an unknown destination and a failed REFER as errors the agent can talk about', async () => {
    const h = harness('<sip:67.231.5.176>', { referFails: true });
    expect((await h.tool.run({ destination: 'legal' }, h.ctx)).output).toMatchObject({ ok: false, error: 'unknown_destination' });
    expect((await h.tool.run({ destination: 'sales' }, h.ctx)).output).toMatchObject({ ok: false, error: 'transfer_failed' });
    expect(h.transferred()).toBe(false);
  });
});

describe('one transfer path for the tool, the keypad and the operator', () => {
  it('the operator’s target goes under the same carrier policy: a Contact off the allow-list is never used', async () => {
    const withFallback = harness('<sip:attacker@203.0.113.66:5060;transport=tcp>', { fallbackHost: '67.231.5.10:5061' });
    expect(await withFallback.transfers.toTarget(withFallback.ctx, '+14155550123', 'operator transfer', 'operator')).toEqual({
      ok: true,
      uri: 'sip:+14155550123@67.231.5.10:5061',
    });
    expect(withFallback.transferred()).toBe(true);

    const without = harness('<sip:attacker@203.0.113.66:5060>');
    const refused = await without.transfers.toTarget(without.ctx, '+14155550123', 'operator transfer', 'operator');
    expect(refused).toMatchObject({ ok: false, error: 'no_sip_host', detail: expect.stringContaining('not on the carrier allow-list') });
    expect(without.refers).toEqual([]);
    expect(without.transferred()).toBe(false);
  });

  it('carries the context headers whoever asked, with the destination and reason given', async () => {
    const context: ContextHeader[] = [
      { name: 'X-Transfer-Reason', encoding: 'text', maxBytes: 64, value: tpl('{{destination}}: {{reason}}') },
    ];
    const h = harness('<sip:67.231.5.176:5061;transport=tls>', { context });
    await h.transfers.toTarget(h.ctx, '+14155550123', 'operator transfer', 'operator');
    await h.transfers.toDestination(h.ctx, 'sales', 'caller pressed 1 on the keypad', 'keypad');
    expect(h.refers).toEqual([
      'sip:+14155550123@67.231.5.176:5061;transport=tls?X-Transfer-Reason=operator:%20operator%20transfer',
      'sip:+19195554321@67.231.5.176:5061;transport=tls?X-Transfer-Reason=sales:%20caller%20pressed%201%20on%20the%20keypad',
    ]);
  });

  it('gives up on a REFER that gets no answer within the timeout: the transfer fails and the call is not marked', async () => {
    const h = harness('<sip:67.231.5.176:5061>', { referTimeoutMs: 5_000 });
    const clock = new ManualClock();
    let aborted: AbortSignal | undefined;
    h.ctx.control.refer = (_callId, _uri, signal) => {
      aborted = signal;
      return new Promise<void>(() => {}); // OpenAI never answers
    };
    const running = h.tool.run({ destination: 'sales' }, { ...h.ctx, clock });
    await clock.advanceAsync(4_999);
    expect(aborted?.aborted).toBe(false);
    await clock.advanceAsync(1);
    expect((await running).output).toMatchObject({ ok: false, error: 'transfer_failed' });
    expect(aborted?.aborted).toBe(true);
    expect(h.transferred()).toBe(false);
    expect(h.events.at(-1)).toMatchObject({
      type: 'transfer.completed',
      ok: false,
      error: 'no answer to the REFER within 5000 ms',
      durationMs: 5_000,
    });
  });

  it('with one unnamed destination (REFER_TO) the tool takes only a reason', async () => {
    const h = harness('<sip:67.231.5.176:5061;transport=tls>');
    const transfers = createTransfers({
      destinations: [departments[0]!],
      unnamed: true,
      policy: {
        carrier: { allowList: null, fallbackHost: null },
        context: [],
        profile: 'default',
        business: 'b',
        referTimeoutMs: 5_000,
        logPii: false,
      },
    });
    const tool = transferCallTool(transfers, mondayNoonNY);
    expect(tool.definition.parameters).toEqual({ type: 'object', properties: { reason: expect.any(Object) }, additionalProperties: false });
    expect((await tool.run({ reason: 'wants a person' }, h.ctx)).output).toEqual({ ok: true, status: 'transferring' });
    expect(h.refers).toEqual(['sip:+19195554321@67.231.5.176:5061;transport=tls']);
  });
});
