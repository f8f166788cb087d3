// Starts a model response only when none is in progress: the Realtime API refuses a
// second response.create while one runs (conversation_already_has_active_response).
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

type ResponseParams = Extract<RealtimeClientEvent, { type: 'response.create' }>['response'];

export class ResponseGate {
  private readonly send: (event: RealtimeClientEvent) => void;
  private readonly active = new Set<string>();
  /** Sent by us, not yet reported as created. */
  private requested = 0;
  private readonly waiting: Array<ResponseParams | undefined> = [];
  private lastSent: ResponseParams | undefined;

  constructor(send: (event: RealtimeClientEvent) => void) {
    this.send = send;
  }

  get busy(): boolean {
    return this.active.size > 0 || this.requested > 0;
  }

  observe(event: RealtimeServerEvent): void {
    if (event.type === 'response.created') {
      if (event.response.id) this.active.add(event.response.id);
      if (this.requested > 0) this.requested--;
    } else if (event.type === 'response.done') {
      if (event.response.id) this.active.delete(event.response.id);
      this.flush();
    } else if (event.type === 'error' && event.error.code === 'conversation_already_has_active_response' && this.requested > 0) {
      // Another response got there first: ours goes again after it.
      this.requested--;
      this.waiting.unshift(this.lastSent);
    }
  }

  /** Asks for a response now, or after the one in progress. */
  create(response?: ResponseParams): void {
    this.waiting.push(response);
    this.flush();
  }

  /** A new control socket: nothing is in progress on it; what waits goes now. */
  reset(): void {
    this.active.clear();
    this.requested = 0;
    this.flush();
  }

  /** Stops the response in progress, audio included (SIP plays buffered audio otherwise). */
  interrupt(): void {
    if (this.active.size === 0) return;
    this.send({ type: 'response.cancel' });
    this.send({ type: 'output_audio_buffer.clear' });
  }

  private flush(): void {
    if (this.busy) return;
    if (this.waiting.length === 0) return;
    const response = this.waiting.shift();
    this.lastSent = response;
    this.requested++;
    this.send(response ? { type: 'response.create', response } : { type: 'response.create' });
  }
}
