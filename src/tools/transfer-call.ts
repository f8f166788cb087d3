// transfer_call: the model's way to hand the caller to a person. With named destinations
// (sales, billing, operator, …) it takes one of them, and a closed one is offered as
// closed and never dialled; with REFER_TO alone it takes only a reason. The transfer
// itself (carrier policy, context, REFER, events, marking the call) lives in transfers/.
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';
import type { DestinationResult, Transfers } from '../transfers/transfer.ts';
import { type Tool, type ToolResult, toolError } from './tool.ts';

const offerOtherHelp =
  'Tell the caller, briefly and kindly, that you could not transfer the call right now. Offer to help them yourself or to take a message.';

/** The tool as the model sees it at `at` (epoch ms): closed destinations are marked so. */
export function transferCallTool(transfers: Transfers, at: number): Tool {
  const names = transfers.destinations.map((d) => d.name);
  return {
    definition: definitionAt(transfers, at),
    async run(args, ctx) {
      const name = transfers.unnamed ? (names[0] ?? '') : typeof args.destination === 'string' ? args.destination : '';
      if (name === '')
        return toolError(
          'invalid_arguments',
          `destination is required: one of ${names.join(', ')}.`,
          'Ask the caller where they would like to be transferred.',
        );
      const result = await transfers.toDestination(ctx, name, typeof args.reason === 'string' ? args.reason : '', 'agent');
      return toolResult(result, name, transfers.unnamed, names);
    },
  };
}

/** What the model is told after a transfer through a destination: also what the keypad tells it. */
export function toolResult(result: DestinationResult, name: string, unnamed: boolean, names: readonly string[]): ToolResult {
  if (result.ok)
    return { output: { ok: true, status: 'transferring', ...(unnamed ? {} : { destination: name }) }, followUp: { kind: 'silent' } };
  switch (result.error) {
    case 'unknown_destination':
      return toolError(
        'unknown_destination',
        `There is no destination named ${name}. Destinations: ${names.join(', ')}.`,
        'Ask the caller where they would like to be transferred.',
      );
    case 'closed': {
      const when = result.opensAt ? ` It opens ${result.opensAt}.` : '';
      return toolError(
        'closed',
        `${name} is closed right now.${when}`,
        `Tell the caller that ${name} is closed right now${result.closure ? ` (${result.closure})` : ''}.${when} Offer to help them yourself or to take a message.`,
        { destination: name, opensAt: result.opensAt, ...(result.closure ? { closure: result.closure } : {}) },
      );
    }
    case 'transfer_failed':
      return toolError('transfer_failed', 'The transfer could not be started.', offerOtherHelp);
    default:
      return toolError(result.error, 'The call cannot be transferred from here.', offerOtherHelp);
  }
}

function definitionAt(transfers: Transfers, at: number): RealtimeFunctionTool & { name: string } {
  const reason = { type: 'string', description: "The caller's reason for the transfer, in a few words." };
  if (transfers.unnamed) {
    return {
      type: 'function',
      name: 'transfer_call',
      description:
        'Transfer the call to a person whenever the caller asks to be transferred or to speak to a person. Tell the caller you are transferring them before calling this.',
      parameters: { type: 'object', properties: { reason }, additionalProperties: false },
    };
  }
  const lines = transfers.destinations.map((d) => {
    const a = transfers.availability(d.name, at);
    const closed =
      a.ok || a.error !== 'closed'
        ? ''
        : ` CLOSED right now${a.opensAt ? ` (opens ${a.opensAt})` : ''}: do not transfer; tell the caller it is closed.`;
    return `- ${d.name}: ${d.description}${closed}`;
  });
  return {
    type: 'function',
    name: 'transfer_call',
    description: `Transfer the call to a person in one of these destinations, when the caller asks for one or needs one. Tell the caller where you are transferring them before calling this.\n${lines.join('\n')}`,
    parameters: {
      type: 'object',
      properties: {
        destination: { type: 'string', enum: transfers.destinations.map((d) => d.name), description: 'Where to transfer the call.' },
        reason,
      },
      required: ['destination'],
      additionalProperties: false,
    },
  };
}
