import { APIError } from 'openai';
import { redactPhonesInText } from '../log/redact.ts';
import { buildReferTarget, type ContactHost } from '../sip/index.ts';
import { toolError, type Tool, type ToolContext } from './tool.ts';

export interface TransferOptions {
  referTo: string;
  fallbackHost: string | null;
  logPii: boolean;
  now?: () => number;
}

export type TransferResult =
  | { ok: true; uri: string }
  | { ok: false; error: 'no_sip_host' | 'bad_transfer_target' | 'transfer_failed'; detail: string };

/**
 * REFERs the call: a number goes to sip:{number}@{the INVITE's Contact host}, a
 * sip: URI as it is. Emits the transfer events and, on success, marks the call
 * transferred. The agent's tool and the operator API both transfer through here.
 */
export async function referCall(
  ctx: ToolContext,
  referTo: string,
  opts: { fallbackHost: string | null; logPii: boolean; now?: () => number },
): Promise<TransferResult> {
  const now = opts.now ?? performance.now.bind(performance);
  const contact: ContactHost | null = ctx.parties.contact;
  const target = buildReferTarget(referTo, contact, opts.fallbackHost);
  if (!target.ok) {
    const error = target.reason === 'no_host' ? 'no_sip_host' : 'bad_transfer_target';
    ctx.log.warn({ callId: ctx.callId, reason: target.reason }, 'transfer impossible: no usable SIP host or target');
    ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: '', ok: false, error, durationMs: 0 });
    return { ok: false, error, detail: target.reason === 'no_host' ? 'no SIP host to transfer to' : 'the target is neither a phone number nor a sip: URI' };
  }
  const logTarget = redactPhonesInText(target.uri, opts.logPii);
  ctx.call.emit({ type: 'transfer.requested', callId: ctx.callId, target: target.uri });
  const startedAt = now();
  try {
    await ctx.control.refer(ctx.callId, target.uri);
  } catch (err) {
    const status = err instanceof APIError ? err.status : undefined;
    const durationMs = now() - startedAt;
    ctx.log.error({ callId: ctx.callId, target: logTarget, status, err: (err as Error).message }, 'transfer failed');
    ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: target.uri, ok: false, error: (err as Error).message, durationMs });
    return { ok: false, error: 'transfer_failed', detail: (err as Error).message };
  }
  const durationMs = now() - startedAt;
  ctx.call.markTransferred();
  ctx.log.info({ callId: ctx.callId, target: logTarget, durationMs }, 'call transferred');
  ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: target.uri, ok: true, durationMs });
  return { ok: true, uri: target.uri };
}

const offerOtherHelp =
  'Tell the caller, briefly and kindly, that you could not transfer the call right now. Offer to help them yourself or to take a message.';

export function transferCallTool(opts: TransferOptions): Tool {
  return {
    definition: {
      type: 'function',
      name: 'transfer_call',
      description:
        'Transfer the call to a person whenever the caller asks to be transferred or to speak to a person. Tell the caller you are transferring them before calling this.',
      parameters: {
        type: 'object',
        properties: { reason: { type: 'string', description: "The caller's reason, in a few words." } },
        additionalProperties: false,
      },
    },
    async run(_args, ctx) {
      const result = await referCall(ctx, opts.referTo, opts);
      if (result.ok) return { output: { ok: true, status: 'transferring' }, followUp: { kind: 'silent' } };
      const message = result.error === 'transfer_failed' ? 'The transfer could not be started.' : 'The call cannot be transferred from here.';
      return toolError(result.error, message, offerOtherHelp);
    },
  };
}
