// Everything the server did on one call, as seen from the emulator (ms timestamps from the clock).
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import type { SipHeader } from './invite-headers.ts';
import type { endedByValues } from './scenario.ts';

export type CallState = 'pending' | 'accepted' | 'ended';
export type EndedBy = (typeof endedByValues)[number];
export type WebhookTamper = 'body' | 'signature' | 'stale' | 'future' | 'missing-headers' | 'wrong-secret';

export interface WebhookAttempt {
  webhookId: string;
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
  /** 'client': the server's response.create; 'reply' and 'function_call': scenario steps. */
  origin: 'client' | 'reply' | 'function_call';
  requestedAt: number;
  transcript?: string;
  status: 'in_progress' | 'completed' | 'cancelled';
  doneAt?: number;
}

export interface FunctionCallRecord {
  callId: string;
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

export interface TimelineEntry {
  at: number;
  kind: string;
  text: string;
}

export interface CallRecord {
  id: string;
  webhookId: string;
  eventId: string;
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
  /** The session as accepted (defaults filled in), updated by session.update. */
  session?: RealtimeSessionCreateRequest;
  webhooks: WebhookAttempt[];
  accepts: RestRequest[];
  rejects: RestRequest[];
  refers: ReferRequest[];
  hangups: RestRequest[];
  /** POST /v1/responses requests that named this call (metadata.switchboard_call_id): the post-call analysis. */
  analyses: RestRequest[];
  connectionCount: number;
  connections: ConnectionRecord[];
  clientEvents: ClientEventRecord[];
  /** Error events the emulator sent to the server. */
  errorEvents: (ApiErrorSummary & { at: number })[];
  responses: ResponseRecord[];
  functionCalls: FunctionCallRecord[];
  transcript: TranscriptLine[];
  dtmf: { at: number; digit: string }[];
  greetingRequestedAt?: number;
  stepsStartedAt?: number;
  /** Things a real call would suffer from (no socket, tool output never came, …). */
  issues: { at: number; message: string }[];
  log: TimelineEntry[];
}
