import type { CallControl } from '../openai/call-control.ts';

/**
 * A CallControl that records what was asked of it, for unit tests of code above
 * the REST boundary. End-to-end tests use the emulator instead.
 */
export class RecordingCallControl implements CallControl {
  /** Every request in order: `accept <id>`, `reject <status>`, `refer <target>`, `hangup`. */
  readonly actions: string[] = [];
  readonly accepts: string[] = [];
  readonly refers: string[] = [];
  /** Make refer() throw, as a refused REFER would. */
  referFails: boolean;

  constructor(opts: { referFails?: boolean } = {}) {
    this.referFails = opts.referFails ?? false;
  }

  async accept(callId: string): Promise<void> {
    this.actions.push(`accept ${callId}`);
    this.accepts.push(callId);
  }

  async reject(_callId: string, statusCode: number): Promise<void> {
    this.actions.push(`reject ${statusCode}`);
  }

  async refer(_callId: string, targetUri: string): Promise<void> {
    this.actions.push(`refer ${targetUri}`);
    this.refers.push(targetUri);
    if (this.referFails) throw new Error('refer refused');
  }

  async hangup(): Promise<void> {
    this.actions.push('hangup');
  }
}
