// Silence handling: after the agent finishes speaking, N seconds without the caller
// → a re-prompt; M seconds → goodbye and hang up. Caller speech, keypad input or a
// running tool stop the clock. The re-prompt itself does not restart it.
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { CallEvent } from '../calls/call-events.ts';
import type { Clock, Timer } from '../time/clock.ts';
import type { ResponseGate } from './response-gate.ts';
import type { ExtensionContext, SessionExtension, SessionExtensionFactory } from './session-extension.ts';

export interface IdleOptions {
  repromptAfterMs: number | null;
  hangupAfterMs: number | null;
  repromptInstructions: string;
  goodbyeInstructions: string;
  goodbyeMaxMs: number;
}

export const defaultRepromptInstructions =
  'The caller has been silent for a while. Briefly ask whether they are still there and how you can help.';
export const defaultIdleGoodbye =
  'The caller has been silent for a long time. Say a brief, friendly goodbye: you will end the call now, and they are welcome to call back.';

export function idleWatch(opts: IdleOptions): SessionExtensionFactory {
  return (ctx) => new IdleWatch(ctx, opts);
}

type Stage = 'quiet' | 'waiting' | 'reprompted' | 'done';

class IdleWatch implements SessionExtension {
  /** The cases of onServerEvent's switch. */
  readonly serverEventTypes = [
    'input_audio_buffer.speech_started',
    'input_audio_buffer.dtmf_event_received',
    'conversation.item.input_audio_transcription.completed',
    'output_audio_buffer.started',
    'output_audio_buffer.stopped',
    'output_audio_buffer.cleared',
    'response.done',
  ] as const;
  private readonly ctx: ExtensionContext;
  private readonly opts: IdleOptions;
  private readonly clock: Clock;
  private readonly gate: ResponseGate;
  private stage: Stage = 'quiet';
  private repromptTimer: Timer | null = null;
  private hangupTimer: Timer | null = null;
  private agentSpeaking = false;
  private toolsRunning = 0;

  constructor(ctx: ExtensionContext, opts: IdleOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.clock = ctx.clock;
    this.gate = ctx.responses;
  }

  onServerEvent(event: RealtimeServerEvent): void {
    switch (event.type) {
      case 'input_audio_buffer.speech_started':
      case 'input_audio_buffer.dtmf_event_received':
      case 'conversation.item.input_audio_transcription.completed':
        this.callerActive();
        break;
      case 'output_audio_buffer.started':
        this.agentSpeaking = true;
        if (this.stage === 'waiting') this.disarm();
        break;
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        this.agentSpeaking = false;
        this.arm();
        break;
      case 'response.done':
        // A response without audio (a function call) never reports playback ending.
        if (!this.agentSpeaking) this.arm();
        break;
      default:
        break;
    }
  }

  onCallEvent(event: CallEvent): void {
    if (event.type === 'tool.called') {
      this.toolsRunning++;
      this.callerActive();
    } else if (event.type === 'tool.completed') {
      this.toolsRunning = Math.max(0, this.toolsRunning - 1);
    }
  }

  onEnd(): void {
    this.disarm();
    this.stage = 'done';
  }

  private callerActive(): void {
    if (this.stage === 'done') return;
    this.disarm();
    this.stage = 'quiet';
  }

  private arm(): void {
    // 'reprompted': the hang-up clock already runs from before the re-prompt.
    if (this.stage !== 'quiet' || this.toolsRunning > 0 || this.gate.busy) return;
    this.stage = 'waiting';
    if (this.opts.repromptAfterMs !== null) this.repromptTimer = this.clock.setTimeout(() => this.reprompt(), this.opts.repromptAfterMs);
    if (this.opts.hangupAfterMs !== null) this.hangupTimer = this.clock.setTimeout(() => void this.hangup(), this.opts.hangupAfterMs);
  }

  private disarm(): void {
    this.repromptTimer?.cancel();
    this.hangupTimer?.cancel();
    this.repromptTimer = this.hangupTimer = null;
    if (this.stage !== 'done') this.stage = 'quiet';
  }

  private reprompt(): void {
    this.repromptTimer = null;
    if (this.stage !== 'waiting') return;
    this.stage = 'reprompted';
    this.ctx.log.info({ callId: this.ctx.callId }, 'caller silent: re-prompting');
    this.gate.create({ instructions: this.opts.repromptInstructions });
  }

  private async hangup(): Promise<void> {
    this.hangupTimer = null;
    if (this.stage !== 'waiting' && this.stage !== 'reprompted') return;
    this.stage = 'done';
    this.repromptTimer?.cancel();
    this.ctx.log.info({ callId: this.ctx.callId }, 'caller silent: hanging up');
    this.gate.interrupt();
    await this.ctx.call.say(this.opts.goodbyeInstructions, this.opts.goodbyeMaxMs);
    await this.ctx.call.hangup('idle_timeout');
  }
}
