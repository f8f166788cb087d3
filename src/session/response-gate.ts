// Starts a model response only when none is in progress: the Realtime API refuses a
// second response.create while one runs (conversation_already_has_active_response).
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

type ResponseParams = Extract<RealtimeClientEvent, { type: 'response.create' }>['response'];

export class ResponseGate {
  private readonly send: (event: RealtimeClientEvent) => void;
  private readonly active = new Set<string>();
  /** Sent by us, not yet reported as created, by client event id (errors name it). */
  private readonly requested = new Map<string, ResponseParams | undefined>();
  /** Requests matched to a response.created, until that response is done. */
  private readonly attributed = new Map<string, { responseId: string; params: ResponseParams | undefined }>();
  private readonly waiting: Array<ResponseParams | undefined> = [];
  private counter = 0;

  constructor(send: (event: RealtimeClientEvent) => void) {
    this.send = send;
  }

  get busy(): boolean {
    return this.active.size > 0 || this.requested.size > 0;
  }

  observe(event: RealtimeServerEvent): void {
    if (event.type === 'response.created') {
      if (!event.response.id) return;
      this.active.add(event.response.id);
      // Most likely ours, the oldest asked for; an error naming it later says otherwise.
      const oldest = this.requested.entries().next();
      if (!oldest.done) {
        const [eventId, params] = oldest.value;
        this.requested.delete(eventId);
        this.attributed.set(eventId, { responseId: event.response.id, params });
      }
    } else if (event.type === 'response.done') {
      if (event.response.id) {
        this.active.delete(event.response.id);
        for (const [eventId, a] of this.attributed) if (a.responseId === event.response.id) this.attributed.delete(eventId);
      }
      this.flush();
    } else if (event.type === 'error' && event.error.event_id) {
      const eventId = event.error.event_id;
      const params = this.requested.has(eventId) ? this.requested.get(eventId) : this.attributed.get(eventId)?.params;
      if (!this.requested.delete(eventId) && !this.attributed.delete(eventId)) return;
      // Refused: never let it hold the gate shut. If another response got there first, ours goes after it.
      if (event.error.code === 'conversation_already_has_active_response') this.waiting.unshift(params);
      this.flush();
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
    this.requested.clear();
    this.attributed.clear();
    this.flush();
  }

  /** Stops the response in progress, audio included (SIP plays buffered audio otherwise). */
  interrupt(): void {
    if (this.active.size === 0) return;
    this.send({ type: 'response.cancel' });
    this.send({ type: 'output_audio_buffer.clear' });
  }

  private flush(): void {
    if (this.busy || this.waiting.length === 0) return;
    const response = this.waiting.shift();
    const eventId = `sb_response_${++this.counter}`;
    this.requested.set(eventId, response);
    this.send(response ? { type: 'response.create', event_id: eventId, response } : { type: 'response.create', event_id: eventId });
  }
}
