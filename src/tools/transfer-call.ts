import { APIError } from 'openai';
import { redactPhonesInText } from '../log/redact.ts';
import { buildReferTarget, type ContactHost } from '../sip/index.ts';
import { toolError, type Tool } from './tool.ts';

export interface TransferOptions {
  referTo: string;
  fallbackHost: string | null;
  logPii: boolean;
  now?: () => number;
}

const offerOtherHelp =
  'Tell the caller, briefly and kindly, that you could not transfer the call right now. Offer to help them yourself or to take a message.';

export function transferCallTool(opts: TransferOptions): Tool {
  const now = opts.now ?? performance.now.bind(performance);
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
      const contact: ContactHost | null = ctx.parties.contact;
      const target = buildReferTarget(opts.referTo, contact, opts.fallbackHost);
      if (!target.ok) {
        const error = target.reason === 'no_host' ? 'no_sip_host' : 'bad_transfer_target';
        ctx.log.warn({ callId: ctx.callId, reason: target.reason }, 'transfer impossible: no usable SIP host or target');
        ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: '', ok: false, error, durationMs: 0 });
        return toolError(error, 'The call cannot be transferred from here.', offerOtherHelp);
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
        return toolError('transfer_failed', 'The transfer could not be started.', offerOtherHelp);
      }
      const durationMs = now() - startedAt;
      ctx.call.markTransferred();
      ctx.log.info({ callId: ctx.callId, target: logTarget, durationMs }, 'call transferred');
      ctx.call.emit({ type: 'transfer.completed', callId: ctx.callId, target: target.uri, ok: true, durationMs });
      return { output: { ok: true, status: 'transferring' }, followUp: { kind: 'silent' } };
    },
  };
}
