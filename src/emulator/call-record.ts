// Everything the server did on one call, as seen from the emulator (ms timestamps from the clock).
import type { SessionClosedEvent, SessionResource } from 'openai/resources/live/live';
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import type { SipHeader } from './invite-headers.ts';
import type { endedByValues } from './scenario.ts';

export type CallState = 'pending' | 'accepted' | 'ended';
/** Which API serves the call: the first successful accept (Realtime or Live) chooses. */
export type Surface = 'realtime' | 'live';
export type IncomingEventType = 'realtime.call.incoming' | 'live.transport.incoming';
export type CloseReason = SessionClosedEvent['reason'];
export type EndedBy = (typeof endedByValues)[number];
export type WebhookTamper = 'body' | 'signature' | 'stale' | 'future' | 'missing-headers' | 'wrong-secret';

export interface WebhookAttempt {
  webhookId: string;
  eventType: IncomingEventType;
  /** 1-based attempt number within one delivery. */
  attempt: number;
  /** Which concurrent copy of the delivery (duplicates), 1-based. */
  copy: number;
  tamper?: WebhookTamper;
  sentAt: number;
  answeredAt?: number;
  /** null: no answer (network error or timeout). */
  status: number | null;
  error?: string;
  responseBody?: string;
}

export interface ApiErrorSummary {
  code: string | null;
  message: string;
  param: string | null;
}

export interface RestRequest {
  /** Call control: the API the request came in on (/v1/realtime/calls or /v1/live/sessions). */
  surface?: Surface;
  receivedAt: number;
  answeredAt?: number;
  /** Undefined while the request is in flight. */
  status?: number;
  /** The body as received: parsed JSON, the raw text if it was not JSON, undefined if empty. */
  body: unknown;
  error?: ApiErrorSummary;
}

export interface ReferRequest extends RestRequest {
  targetUri?: string;
}

export interface ConnectionRecord {
  index: number;
  connectedAt: number;
  closedAt?: number;
  closeCode?: number;
  closedBy?: 'client' | 'emulator' | 'drop';
}

export interface ClientEventRecord {
  at: number;
  connection: number;
  /** The parsed event, or `{ raw }` when it was not JSON. */
  event: unknown;
  /** The error event the emulator answered with, if the event was refused. */
  error?: ApiErrorSummary;
}

export interface ResponseRecord {
  id: string;
  /**
   * 'client': the server's response.create; 'reply' and 'function_call': scenario steps.
   * Live only: 'commentary' (session.commentary.append spoken), 'backend' (the delegated
   * Responses model's answer, spoken), 'ack' (the automatic acknowledgement of a delegation).
   */
  origin: 'client' | 'reply' | 'function_call' | 'commentary' | 'backend' | 'ack';
  requestedAt: number;
  transcript?: string;
  status: 'in_progress' | 'completed' | 'cancelled';
  doneAt?: number;
}

export interface FunctionCallRecord {
  callId: string;
  /** Live: the delegation that called it. */
  delegationId?: string;
  name: string;
  arguments: string;
  issuedAt: number;
  outputs: { at: number; output: string }[];
}

export interface TranscriptLine {
  at: number;
  speaker: 'caller' | 'agent';
  text: string;
}

/** A stretch of speech on the session timeline (ms since the accept): what the recording holds. */
export interface SpeechInterval {
  speaker: 'caller' | 'agent';
  startMs: number;
  endMs: number;
}

export interface FixtureRecord {
  at: number;
  bytes: number;
  durationMs: number;
  clientEventId?: string;
  status: 'playing' | 'played' | 'cancelled';
  doneAt?: number;
}

export interface TimelineEntry {
  at: number;
  kind: string;
  text: string;
}

export interface CallRecord {
  /** The Realtime call id (rtc_…). */
  id: string;
  webhookId: string;
  eventId: string;
  /** The same SIP call on the GPT-Live surface (live_…), with its own webhook. */
  liveSessionId: string;
  liveWebhookId: string;
  liveEventId: string;
  /** Set by the first successful accept. */
  surface?: Surface;
  scenarioName: string;
  createdAt: number;
  sipHeaders: SipHeader[];
  state: CallState;
  endedBy?: EndedBy;
  endedAt?: number;
  /** The call ended and the scenario stopped. */
  done: boolean;
  /** First accept receivedAt minus first webhook sentAt. */
  answerMs?: number;
  /** Realtime: the session as accepted (defaults filled in), updated by session.update. */
  session?: RealtimeSessionCreateRequest;
  /** Live: the session as accepted and resolved, updated by session.update. */
  liveSession?: SessionResource;
  webhooks: WebhookAttempt[];
  accepts: RestRequest[];
  rejects: RestRequest[];
  refers: ReferRequest[];
  hangups: RestRequest[];
  /** POST /v1/responses requests that named this call (metadata.switchboard_call_id): the post-call analysis. */
  analyses: RestRequest[];
  /** Live: GET /v1/live/sessions/{id}/content. */
  recordingDownloads: RestRequest[];
  connectionCount: number;
  connections: ConnectionRecord[];
  clientEvents: ClientEventRecord[];
  /** Error events the emulator sent to the server. */
  errorEvents: (ApiErrorSummary & { at: number })[];
  responses: ResponseRecord[];
  functionCalls: FunctionCallRecord[];
  transcript: TranscriptLine[];
  /** Keys the caller pressed. */
  dtmf: { at: number; digit: string }[];
  /** Live: keys the server sent to the trunk (transport.dtmf.send). */
  dtmfSent: { at: number; digit: string }[];
  /** Live: audio clips played with session.output_audio.fixture.play. */
  fixtures: FixtureRecord[];
  /** Live: when each side spoke, for the generated recording. */
  speech: SpeechInterval[];
  /** Live: the last cumulative usage reported (session.usage.updated / session.closed). */
  usageSeconds?: number;
  /** Live: the reason session.closed gave. */
  closeReason?: CloseReason;
  greetingRequestedAt?: number;
  stepsStartedAt?: number;
  /** Things a real call would suffer from (no socket, tool output never came, …). */
  issues: { at: number; message: string }[];
  log: TimelineEntry[];
}
