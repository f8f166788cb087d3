// A Live call's runtime state in the emulator: what the voice model says, the clip that plays,
// the delegated Responses model and what waits for it.
import type { FixtureRecord, ResponseRecord, TranscriptLine } from './call-record.ts';

export interface LiveSpeech {
  record: ResponseRecord;
  /** The agent's line in the record's transcript; it grows as deltas go out. */
  line: TranscriptLine;
  startMs: number;
}

export interface QueuedSpeech {
  origin: ResponseRecord['origin'];
  text: string;
}

export interface ActiveFixture {
  record: FixtureRecord;
  timer: NodeJS.Timeout;
}

/**
 * A pause put on the session timeline before each utterance. The emulator's speech is quick
 * (tens of ms), and the SDK's TranscriptGrouper splits turns by source-time gaps (500 ms):
 * without the pause, a reply would overlap the question it answers.
 */
export const turnGapMs = 800;

export class LiveRuntime {
  /** clock.now() at the accept: the session timeline starts here. */
  startedAt: number | undefined;
  /** The pauses added so far (see turnGapMs). */
  timelineOffsetMs = 0;
  private spokenOnce = false;
  speech: LiveSpeech | undefined;
  /** Utterances waiting for the current one to end (the voice model speaks one thing at a time). */
  readonly queue: QueuedSpeech[] = [];
  fixture: ActiveFixture | undefined;
  /** The delegated Responses model is producing this response (response.create → response.completed). */
  backendResponseId: string | undefined;
  inputMuted = false;
  /** Automatic acknowledgements waiting for their delay; commentary, thinking or a fixture cancels them. */
  readonly ackTimers = new Set<NodeJS.Timeout>();
  /** Text of messages added to the backend since its last response (response.item.create). */
  pendingMessages: string[] = [];
  /** Function outputs added since the backend's last response. */
  pendingOutputs = 0;
  /** The delegation whose function calls are answered by the next response.create. */
  openDelegationId: string | undefined;

  /** An utterance starts: after the first, the timeline moves on by a pause. */
  startUtterance(): void {
    if (this.spokenOnce) this.timelineOffsetMs += turnGapMs;
    this.spokenOnce = true;
  }

  get isQuiet(): boolean {
    return this.speech === undefined && this.queue.length === 0 && this.fixture === undefined && this.backendResponseId === undefined;
  }

  /** The call ended: whatever was playing was cut off. Timers are the call's and stop with it. */
  stopAll(at: number): void {
    if (this.speech) {
      this.speech.record.status = 'cancelled';
      this.speech.record.doneAt = at;
      this.speech = undefined;
    }
    if (this.fixture) {
      this.fixture.record.status = 'cancelled';
      this.fixture.record.doneAt = at;
      this.fixture = undefined;
    }
    this.queue.length = 0;
    this.ackTimers.clear();
    this.backendResponseId = undefined;
  }
}
