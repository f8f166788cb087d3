// transfer_call for a profile with named destinations (sales, billing, operator, …).
// A destination outside its hours is offered as closed and never dialled; the REFER
// host must pass the carrier allow-list; context rides along as URI headers.
import { APIError } from 'openai';
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';
import { redactPhonesInText } from '../log/redact.ts';
import { describeNextOpening, type BusinessHours } from '../hours/business-hours.ts';
import { withUriHeaders } from '../sip/uri-headers.ts';
import { carrierTarget, type CarrierPolicy } from '../transfers/carrier-policy.ts';
import { cleanReason, contextHeaders, type ContextHeader } from '../transfers/context-headers.ts';
import { toolError, type Tool, type ToolContext, type ToolResult } from './tool.ts';

export interface Department {
  name: string;
  /** E.164 number (REFER to the carrier edge) or a sip: URI (used as it is). */
  to: string;
  description: string;
  hours: BusinessHours | null;
}

export interface DepartmentTransferOptions {
  departments: readonly Department[];
  /** true: one unnamed destination (the environment's REFER_TO); the tool takes only a reason. */
  unnamed?: boolean;
  carrier: CarrierPolicy;
  context: readonly ContextHeader[];
  profile: string;
  business: string;
  logPii: boolean;
  /** Epoch ms, for opening hours. */
  clock?: () => number;
  now?: () => number;
}

export type Availability =
  | { ok: true; department: Department }
  | { ok: false; error: 'unknown_destination' }
  | { ok: false; error: 'closed'; department: Department; opensAt: string | null; closure?: string };

export interface DepartmentTransfer {
  toolAt(at: number): Tool;
  availability(name: string, at: number): Availability;
  /** Checks hours again and sends the REFER. Never throws. */
  transfer(ctx: ToolContext, name: string, reason: string): Promise<ToolResult>;
}

const offerOtherHelp =
  'Tell the caller, briefly and kindly, that you could not transfer the call right now. Offer to help them yourself or to take a message.';

export function departmentTransfer(opts: DepartmentTransferOptions): DepartmentTransfer {
  const clock = opts.clock ?? Date.now;
  const now = opts.now ?? performance.now.bind(performance);
  const byName = new Map(opts.departments.map((d) => [d.name, d]));
  const names = opts.departments.map((d) => d.name);

  function availability(name: string, at: number): Availability {
    const department = byName.get(name);
    if (!department) return { ok: false, error: 'unknown_destination' };
    const status = department.hours?.status(at);
    if (!status || status.open) return { ok: true, department };
    return { ok: false, error: 'closed', department, opensAt: describeNextOpening(status.next), ...(status.closure ? { closure: status.closure } : {}) };
  }

  function definitionAt(at: number): RealtimeFunctionTool & { name: string } {
    const reason = { type: 'string', description: "The caller's reason for the transfer, in a few words." };
    if (opts.unnamed) {
      return {
        type: 'function',
        name: 'transfer_call',
        description:
          'Transfer the call to a person whenever the caller asks to be transferred or to speak to a person. Tell the caller you are transferring them before calling this.',
        parameters: { type: 'object', properties: { reason }, additionalProperties: false },
      };
    }
    const lines = opts.departments.map((d) => {
      const a = availability(d.name, at);
      const closed = a.ok || a.error !== 'closed' ? '' : ` CLOSED right now${a.opensAt ? ` (opens ${a.opensAt})` : ''}: do not transfer; tell the caller it is closed.`;
      return `- ${d.name}: ${d.description}${closed}`;
    });
    return {
      type: 'function',
      name: 'transfer_call',
      description: `Transfer the call to a person in one of these destinations, when the caller asks for one or needs one. Tell the caller where you are transferring them before calling this.\n${lines.join('\n')}`,
      parameters: {
        type: 'object',
        properties: { destination: { type: 'string', enum: names, description: 'Where to transfer the call.' }, reason },
        required: ['destination'],
        additionalProperties: false,
      },
    };
  }

  async function transfer(ctx: ToolContext, name: string, reasonText: string): Promise<ToolResult> {
    const a = availability(name, clock());
    if (!a.ok && a.error === 'unknown_destination') {
      return toolError('unknown_destination', `There is no destination named ${name}. Destinations: ${names.join(', ')}.`, 'Ask the caller where they would like to be transferred.');
    }
    if (!a.ok) {
      ctx.log.info({ callId: ctx.callId, destination: name }, 'transfer refused: destination closed');
      const when = a.opensAt ? ` It opens ${a.opensAt}.` : '';
      return toolError(
        'closed',
        `${name} is closed right now.${when}`,
        `Tell the caller that ${name} is closed right now${a.closure ? ` (${a.closure})` : ''}.${when} Offer to help them yourself or to take a message.`,
        { destination: name, opensAt: a.opensAt, ...(a.closure ? { closure: a.closure } : {}) },
      );
    }
    const department = a.department;
    const target = carrierTarget(department.to, ctx.parties.contact, opts.carrier);
    if (target.contactRefused) {
      ctx.log.warn({ callId: ctx.callId, contactHost: ctx.parties.contact?.hostPort }, 'contact host is not on the carrier allow-list: not used for the transfer');
    }
    if (!target.ok) {
      const error = target.reason === 'no_host' ? 'no_sip_host' : 'bad_transfer_target';
      ctx.log.warn({ callId: ctx.callId, destination: name, reason: target.reason }, 'transfer impossible: no usable SIP host or target');
      ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: '', ok: false, error, durationMs: 0 });
      return toolError(error, 'The call cannot be transferred from here.', offerOtherHelp);
    }
    const reason = cleanReason(reasonText);
    const headers = contextHeaders(opts.context, { callId: ctx.callId, reason, parties: ctx.parties, destination: name, profile: opts.profile, business: opts.business });
    const uri = withUriHeaders(target.uri, headers);
    const logTarget = redactPhonesInText(target.uri, opts.logPii);
    ctx.call.emit({ type: 'transfer.requested', callId: ctx.callId, target: uri });
    const startedAt = now();
    try {
      await ctx.control.refer(ctx.callId, uri);
    } catch (err) {
      const durationMs = now() - startedAt;
      const status = err instanceof APIError ? err.status : undefined;
      ctx.log.error({ callId: ctx.callId, destination: name, target: logTarget, status, err: (err as Error).message }, 'transfer failed');
      ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: uri, ok: false, error: (err as Error).message, durationMs });
      return toolError('transfer_failed', 'The transfer could not be started.', offerOtherHelp);
    }
    const durationMs = now() - startedAt;
    ctx.call.markTransferred();
    ctx.log.info({ callId: ctx.callId, destination: name, target: logTarget, contextHeaders: headers.map((h) => h.name), durationMs }, 'call transferred');
    ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: uri, ok: true, durationMs });
    return { output: { ok: true, status: 'transferring', destination: name }, followUp: { kind: 'silent' } };
  }

  const run = async (args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> => {
    const name = opts.unnamed ? (names[0] ?? '') : typeof args.destination === 'string' ? args.destination : '';
    if (name === '') return toolError('invalid_arguments', `destination is required: one of ${names.join(', ')}.`, 'Ask the caller where they would like to be transferred.');
    return transfer(ctx, name, typeof args.reason === 'string' ? args.reason : '');
  };

  return {
    availability,
    transfer,
    toolAt: (at) => ({ definition: definitionAt(at), run }),
  };
}
