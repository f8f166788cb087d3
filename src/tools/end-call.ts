import type { Tool } from './tool.ts';

export interface EndCallOptions {
  /** Longest wait for the goodbye to finish playing before hanging up. */
  goodbyeMaxMs: number;
}

export function endCallTool(opts: EndCallOptions): Tool {
  return {
    definition: {
      type: 'function',
      name: 'end_call',
      description: 'End the call when the caller says goodbye or the conversation is clearly over.',
      parameters: {
        type: 'object',
        properties: { reason: { type: 'string', description: 'Why the call is ending, in a few words.' } },
        additionalProperties: false,
      },
    },
    async run(_args, ctx) {
      return {
        output: { ok: true, status: 'ending' },
        followUp: { kind: 'silent' },
        after: async () => {
          await ctx.call.say('Say a brief, friendly goodbye to the caller, such as "Thank you for calling. Goodbye!"', opts.goodbyeMaxMs);
          await ctx.call.hangup('agent_hangup');
        },
      };
    },
  };
}
