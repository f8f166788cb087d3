import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../calls/call-events.ts';
import { createLogger } from '../log/logger.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { BusinessHours, parseRange, type OpenRange } from '../hours/business-hours.ts';
import { HostAllowList } from '../sip/host-allow-list.ts';
import { parseCallParties } from '../sip/index.ts';
import { decodeUserToUser } from '../sip/user-to-user.ts';
import { compileTemplate, type Template } from '../templates/template.ts';
import type { ContextHeader } from '../transfers/context-headers.ts';
import { departmentTransfer, type Department } from './department-transfer.ts';
import type { ToolContext } from './tool.ts';

const tpl = (s: string): Template => {
  const r = compileTemplate(s, () => true);
  if (!r.ok) throw new Error(r.problems.join());
  return r.template;
};
const day = parseRange('09:00-17:00') as OpenRange;
const billingHours = new BusinessHours({ timeZone: 'America/New_York', weekly: [[day], [day], [day], [day], [day], [], []], closures: [] });
const departments: Department[] = [
  { name: 'sales', to: '+19195554321', description: 'New orders.', hours: null },
  { name: 'billing', to: '+19195554322', description: 'Invoices.', hours: billingHours },
  { name: 'operator', to: 'sip:operator@pbx.example.com;transport=tls', description: 'A person at the front desk.', hours: null },
];
const mondayNoonNY = Date.parse('2026-03-09T16:00:00Z');
const saturdayNY = Date.parse('2026-03-14T16:00:00Z');

function harness(contact: string, opts: { fallbackHost?: string | null; context?: ContextHeader[]; at?: number; referFails?: boolean } = {}) {
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
    call: { say: async () => {}, hangup: async () => {}, markTransferred: () => void (transferred = true), emit: (e) => void events.push(e) },
  };
  const dt = departmentTransfer({
    departments,
    carrier: { allowList: new HostAllowList(['67.231.5.0/24']), fallbackHost: opts.fallbackHost ?? null },
    context: opts.context ?? [],
    profile: 'front-desk',
    business: 'Acme',
    logPii: false,
    clock: () => opts.at ?? mondayNoonNY,
  });
  const tool = dt.toolAt(opts.at ?? mondayNoonNY);
  return { refers, events, ctx, tool, dt, transferred: () => transferred };
}

describe('department transfer', () => {
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
