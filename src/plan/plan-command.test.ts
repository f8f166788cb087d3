// `switchboard plan` on the shipped example file, and the same preview against the live path's own accept.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProfilesStack, startProfilesStack } from '../demo/profiles-stack.ts';
import type { SipHeader } from '../sip/index.ts';
import { formatPreview } from './format-preview.ts';
import { runPlanCommand } from './plan-command.ts';
import { type PlanPreview, previewCall } from './preview-call.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

async function plan(args: string[], env: Record<string, string> = { TOOLS_SIGNING_SECRET: secret }) {
  let out = '';
  let err = '';
  const code = await runPlanCommand(args, {
    env,
    cwd: process.cwd(),
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    now: () => Date.parse('2026-12-22T15:00:00Z'),
  });
  return { code, out, err };
}

async function planJson(args: string[]): Promise<PlanPreview> {
  const r = await plan(['switchboard.example.yaml', '--json', ...args]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as PlanPreview;
}

describe('switchboard plan on switchboard.example.yaml', () => {
  it('after hours: the support line on a Saturday goes to the after-hours agent, its accept body as it would be sent', async () => {
    const r = await plan(['switchboard.example.yaml', '--from', '+19195551234', '--to', '+19195550100', '--at', '2026-12-26T11:00']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'A call from +19195551234 to +19195550100',
      '  at        Saturday 2026-12-26 11:00 America/New_York (2026-12-26T16:00:00.000Z)',
      '  screening passed',
      '  route     routing.routes[1]',
      '  hours     office: closed, opens Monday 2026-12-28 at 08:00; after hours: agent after-hours',
      '  agent     after-hours (the after-hours agent)',
      '  decision  accept: POST /v1/realtime/calls/{call_id}/accept with the body below',
    ]);
    expect(r.out).toContain('Acme Plumbing is closed right now (Saturday 11:00 AM). Take a message');
    const body = JSON.parse(r.out.slice(r.out.indexOf('Accept body:\n') + 'Accept body:\n'.length));
    expect(body).toMatchObject({
      type: 'realtime',
      model: 'gpt-realtime-2.1',
      audio: { output: { voice: 'sage' }, input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 8000 } } },
      tool_choice: 'auto',
    });
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['transfer_call', 'end_call']);
  });

  it('blocked: a caller on the block list is refused with 603 before any route', async () => {
    const r = await plan(['switchboard.example.yaml', '--from', '+19005550100', '--to', '+19195550100', '--at', '2026-12-22T10:00']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'A call from +19005550100 to +19195550100',
        '  at        Tuesday 2026-12-22 10:00 America/New_York (2026-12-22T15:00:00.000Z)',
        '  screening rejected: blocked_caller',
        '  route     (not reached)',
        '  agent     —',
        '  decision  reject 603 (blocked_caller): POST /v1/realtime/calls/{call_id}/reject {"status_code":603}',
        '',
      ].join('\n'),
    );
    const json = await planJson(['--from', '+1900555', '--to', '+19195550100']);
    expect(json).toMatchObject({
      screening: { verdict: 'rejected', reason: 'blocked_caller' },
      decision: { kind: 'reject', statusCode: 603 },
      acceptBody: null,
    });
    const fax = await planJson(['--from', '+19195551234', '--to', '+19195550199', '--at', '2026-12-25T10:00']);
    expect(fax).toMatchObject({
      route: { name: 'routing.routes[2]' },
      hours: { schedule: 'office', open: false, closure: 'Christmas Day', afterHours: 'reject 480' },
      decision: { kind: 'reject', statusCode: 480, reason: 'after_hours' },
    });
  });

  it('departments: reception lists its transfer destinations, a closed one marked closed with when it opens', async () => {
    const p = await planJson(['--from', '+19195551234', '--to', '+19195550142', '--at', '2026-12-18T16:30']);
    expect(p).toMatchObject({
      route: { name: 'routing.default' },
      hours: { schedule: 'office', open: true },
      agent: 'reception',
      caps: { overall: 50, agent: 20 },
    });
    const transfer = p.acceptBody!.tools!.find((t) => 'name' in t && t.name === 'transfer_call') as {
      description: string;
      parameters: { properties: { destination: { enum: string[] } } };
    };
    expect(transfer.parameters.properties.destination.enum).toEqual(['sales', 'billing', 'operator']);
    expect(transfer.description).toContain(
      '- billing: Invoices, payments and refunds. CLOSED right now (opens Monday 2026-12-21 at 09:00)',
    );
    expect(transfer.description).toContain('- sales: New jobs, quotes and scheduling a plumber.\n');
    const text = await plan(['switchboard.example.yaml', '--from', '+19195551234', '--to', '+19195550142', '--at', '2026-12-18T16:30']);
    expect(text.out).toContain('              - billing: Invoices, payments and refunds. CLOSED right now');
  });

  it('header templating: the support line renders {{sip.X-Account-Id}} from --header, in the caller’s agent’s zone', async () => {
    const p = await planJson(['--from', '+13125550123', '--to', '+19195550100', '--at', '2026-12-22T10:00', '--header', 'X-Account-Id=42']);
    expect(p).toMatchObject({
      route: { name: 'routing.routes[0]' },
      agent: 'support',
      parsed: { caller: '+13125550123', dialed: '+19195550100' },
    });
    expect(p.acceptBody!.instructions).toContain('It is Tuesday, December 22, 2026, 9:00 AM (America/Chicago).');
    expect(p.acceptBody!.instructions).toContain('The caller is +13125550123; their account id, if the carrier sent it, is 42.');
    expect(p.greeting).toBe('Acme Plumbing support, Tuesday 9:00 AM. What can I do for you?');
    const without = await planJson(['--from', '+13125550123', '--to', '+19195550100', '--at', '2026-12-22T10:00']);
    expect(without.acceptBody!.instructions).toContain('their account id, if the carrier sent it, is unknown.');
    expect(p.tools.map((t) => t.name)).toEqual(['transfer_call', 'end_call', 'lookup_order', 'book_visit']);
  });

  it('refuses bad arguments with the usage, and runs on the environment alone without a file', async () => {
    expect((await plan(['switchboard.example.yaml', '--from', '+19195551234'])).code).toBe(64);
    const bad = await plan(['switchboard.example.yaml', '--from', '+19195551234', '--to', '+19195550100', '--at', 'christmas']);
    expect(bad.code).toBe(64);
    expect(bad.err).toContain('--at: expected a time like 2026-12-24T10:00 (in America/New_York)');
    expect((await plan(['switchboard.example.yaml', '--from', 'nobody', '--to', '+19195550100'])).err).toContain(
      '--from: expected a phone number',
    );
    expect((await plan(['switchboard.example.yaml', '--from', '+19195551234', '--to', '+19195550100'], {})).code).toBe(1); // ${TOOLS_SIGNING_SECRET} unset

    const env = await plan(['--from', '+19195551234', '--to', '+19195550100', '--json'], {
      REFER_TO: '+19195554321',
      AGENT_VOICE: 'coral',
      SWITCHBOARD_CONFIG: '',
    });
    expect(env.code).toBe(0);
    const p = JSON.parse(env.out) as PlanPreview;
    expect(p).toMatchObject({
      agent: 'default',
      route: { name: 'routing.default' },
      decision: { kind: 'accept' },
      acceptBody: { audio: { output: { voice: 'coral' } } },
    });
  });
});

describe('the preview and the live path', () => {
  let demo: ProfilesStack | undefined;
  afterEach(async () => {
    await demo?.close();
    demo = undefined;
  });

  it('gives exactly the accept body the server sends for the same call', async () => {
    const at = '2026-03-10T15:00:00Z';
    demo = await startProfilesStack({ file: 'switchboard.example.yaml', at });
    const headers: SipHeader[] = [{ name: 'X-Account-Id', value: '77' }];
    const call = await demo.stack.emulator.placeCall({
      from: '+13125551234',
      to: '+19195550100',
      sipHeaders: [
        { name: 'From', value: '<sip:+13125551234@67.231.5.176:5060>;tag=a' },
        { name: 'To', value: '<sip:+19195550100@sip.api.openai.com>' },
        { name: 'Call-ID', value: 'live@67.231.5.176' },
        { name: 'Contact', value: '<sip:+13125551234@67.231.5.176:5061;transport=tls>' },
        ...headers,
      ],
      steps: [{ hangup: true }],
    });
    const record = await call.ended;
    const preview = previewCall(
      { from: '+13125551234', to: '+19195550100', at: Date.parse(at), headers },
      { snapshot: demo.agents.current(), timeZone: 'America/New_York' },
    );
    expect(record.accepts[0]!.body).toEqual(JSON.parse(JSON.stringify(preview.acceptBody)));
    expect(preview.acceptBody!.instructions).toContain('is 77.');
  });

  it('on GPT-Live: gives exactly the session the server accepts, on the Live path', async () => {
    const at = '2026-03-10T15:00:00Z';
    const dir = mkdtempSync(join(tmpdir(), 'sb-plan-live-'));
    const file = join(dir, 'switchboard.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  front:',
        '    surface: live',
        '    sipHeaders: [X-Account-Id]',
        '    instructions: "Answer for Acme. The account id is {{ sip.X-Account-Id }}."',
        'routing:',
        '  default: { agent: front }',
        '',
      ].join('\n'),
    );
    demo = await startProfilesStack({ file, at });
    const headers: SipHeader[] = [{ name: 'X-Account-Id', value: '78' }];
    const call = await demo.stack.emulator.placeCall({
      from: '+13125551234',
      to: '+19195550100',
      webhooks: ['realtime', 'live'],
      sipHeaders: [
        { name: 'From', value: '<sip:+13125551234@67.231.5.176:5060>;tag=b' },
        { name: 'To', value: '<sip:+19195550100@sip.api.openai.com>' },
        { name: 'Call-ID', value: 'live-preview@67.231.5.176' },
        { name: 'Contact', value: '<sip:+13125551234@67.231.5.176:5061;transport=tls>' },
        ...headers,
      ],
      steps: [{ hangup: true }],
    });
    const record = await call.ended;
    const preview = previewCall(
      { from: '+13125551234', to: '+19195550100', at: Date.parse(at), headers },
      { snapshot: demo.agents.current(), timeZone: 'UTC' },
    );
    expect(preview).toMatchObject({ surface: 'live', acceptBody: null });
    expect(record.accepts.map((a) => a.surface)).toEqual(['live']);
    expect(record.accepts[0]!.body).toEqual(JSON.parse(JSON.stringify(preview.liveAcceptBody)));
    expect(preview.liveAcceptBody!.session.instructions).toContain('is 78.');
    expect(formatPreview(preview)).toContain('accept on GPT-Live: POST /v1/live/sessions/{session_id}/accept');
  });
});
