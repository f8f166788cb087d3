// Keypad input. Digits are collected until a pause (or `#`); a single mapped key runs
// its action (e.g. "0" → transfer to the operator), anything else reaches the model as
// conversation context, because the model does not act on DTMF events by itself.
import type { Clock, Timer } from '../time/clock.ts';
import { toolResult } from '../tools/transfer-call.ts';
import type { Transfers } from '../transfers/transfer.ts';
import type { ResponseGate } from './response-gate.ts';
import type { ExtensionContext, SessionExtension, SessionExtensionFactory } from './session-extension.ts';

export type DtmfAction = { kind: 'transfer'; destination: string } | { kind: 'hangup' } | { kind: 'say'; instructions: string };

export interface DtmfOptions {
  actions: ReadonlyMap<string, DtmfAction>;
  /** Pause that ends a run of digits. */
  interDigitMs: number;
  /** The agent's transfers; null: a transfer key is passed to the model like any other digit. */
  transfers: Transfers | null;
  goodbyeMaxMs: number;
}

export function dtmfHandler(opts: DtmfOptions): SessionExtensionFactory {
  return (ctx) => new DtmfHandler(ctx, opts);
}

class DtmfHandler implements SessionExtension {
  readonly serverEventTypes = ['input_audio_buffer.dtmf_event_received'] as const;
  private readonly ctx: ExtensionContext;
  private readonly opts: DtmfOptions;
  private readonly clock: Clock;
  private readonly gate: ResponseGate;
  private digits = '';
  private timer: Timer | null = null;
  private ended = false;

  constructor(ctx: ExtensionContext, opts: DtmfOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.clock = ctx.clock;
    this.gate = ctx.responses;
  }

  onServerEvent(event: Parameters<NonNullable<SessionExtension['onServerEvent']>>[0]): void {
    if (event.type !== 'input_audio_buffer.dtmf_event_received') return;
    const digit = String(event.event).toUpperCase();
    if (!/^[0-9*#A-D]$/.test(digit)) return;
    this.digits += digit;
    this.timer?.cancel();
    this.timer = null;
    if (digit === '#') this.flush();
    else this.timer = this.clock.setTimeout(() => this.flush(), this.opts.interDigitMs);
  }

  onEnd(): void {
    this.ended = true;
    this.timer?.cancel();
  }

  private flush(): void {
    this.timer = null;
    const digits = this.digits;
    this.digits = '';
    if (this.ended || digits === '') return;
    const action = digits.length === 1 ? this.opts.actions.get(digits) : undefined;
    this.ctx.log.info({ callId: this.ctx.callId, digits: digits.length, action: action?.kind ?? null }, 'keypad input');
    this.ctx.call.emit({ type: 'dtmf', callId: this.ctx.callId, digits, action: action ? describe(action) : null });
    if (action) void this.run(digits, action);
    else this.tellModel(digits);
  }

  private tellModel(digits: string): void {
    this.ctx.send({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: `[keypad] The caller pressed: ${digits.split('').join(' ')}` }],
      },
    });
    this.gate.create();
  }

  private async run(digit: string, action: DtmfAction): Promise<void> {
    const { ctx } = this;
    try {
      if (action.kind === 'say') {
        this.gate.create({ instructions: action.instructions });
        return;
      }
      if (action.kind === 'hangup') {
        this.gate.interrupt();
        await ctx.call.say('Say a brief, friendly goodbye to the caller.', this.opts.goodbyeMaxMs);
        await ctx.call.hangup('agent_hangup');
        return;
      }
      const transfers = this.opts.transfers;
      if (!transfers) return this.tellModel(digit);
      const availability = transfers.availability(action.destination, this.clock.epochMs());
      if (!availability.ok) {
        const opens = availability.error === 'closed' && availability.opensAt ? ` It opens ${availability.opensAt}.` : '';
        this.gate.create({
          instructions: `The caller pressed ${digit} on the keypad to be transferred to ${action.destination}, but ${action.destination} is closed right now.${opens} Tell them, and offer to help them yourself or to take a message.`,
        });
        return;
      }
      this.gate.interrupt();
      await ctx.call.say(
        `Tell the caller, in one short sentence, that you are transferring them to ${action.destination} now.`,
        this.opts.goodbyeMaxMs,
      );
      const result = await transfers.toDestination(ctx, action.destination, `caller pressed ${digit} on the keypad`, 'keypad');
      const followUp = toolResult(
        result,
        action.destination,
        transfers.unnamed,
        transfers.destinations.map((d) => d.name),
      ).followUp;
      if (followUp.kind === 'instruct') this.gate.create({ instructions: followUp.instructions });
    } catch (err) {
      ctx.log.error({ callId: ctx.callId, err }, 'keypad action failed');
    }
  }
}

function describe(action: DtmfAction): string {
  return action.kind === 'transfer' ? `transfer:${action.destination}` : action.kind;
}
