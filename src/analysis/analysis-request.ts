// The one Responses API request an analysis makes, and what its answer means.
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ResponsesTokens } from '../cost/call-cost.ts';
import type { CallDetail } from '../records/call-record.ts';
import { type AnalysisSpec, analysisFormatName, outputSchema } from './analysis-spec.ts';

const clock = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** The call as the model reads it: a few facts, then the transcript with times from the answer. */
export function transcriptText(call: CallDetail): string {
  const start = Date.parse(call.acceptedAt ?? call.startedAt);
  const reason = call.endReason && call.endReason !== call.outcome ? ` (${call.endReason.replaceAll('_', ' ')})` : '';
  const facts = [`outcome: ${call.outcome}${reason}`];
  if (call.acceptedAt && call.endedAt) facts.push(`duration: ${clock(Date.parse(call.endedAt) - start)}`);
  if (call.transfer) {
    const t = call.transfer;
    facts.push(`transfer: ${t.status}${t.destination ? ` to ${t.destination}` : ''}${t.reason ? ` (reason: ${t.reason})` : ''}`);
  }
  const tools = [...new Set(call.tools.map((t) => t.name))];
  if (tools.length > 0) facts.push(`tools used: ${tools.join(', ')}`);
  const lines = call.transcript.map(
    (t) =>
      `[${clock(Date.parse(t.at) - start)}] ${t.speaker === 'caller' ? 'Caller' : 'Agent'}: ${t.text}${t.interrupted ? ' (cut off by the caller)' : ''}`,
  );
  return `Call facts:\n${facts.map((f) => `- ${f}`).join('\n')}\n\nTranscript:\n${lines.join('\n')}`;
}

export function analysisInstructions(spec: Pick<AnalysisSpec, 'summary' | 'fields' | 'successCriteria'>, business: string | null): string {
  const parts = [
    `You review a finished phone call between a caller and an AI voice agent${business ? ` answering for ${business}` : ''}.`,
    'Answer only from the call facts and the transcript; never invent details that were not said.',
  ];
  if (spec.summary) parts.push('summary: two or three plain sentences, without the caller’s phone number.');
  if (spec.fields)
    parts.push(
      'fields: fill each field from what was said; when the call does not tell, use null if the field allows it, else the most cautious value.',
    );
  if (spec.successCriteria) parts.push(`success: true only if the call met these success criteria:\n${spec.successCriteria}`);
  return parts.join('\n');
}

export function analysisRequest(spec: AnalysisSpec, call: CallDetail): ResponseCreateParamsNonStreaming {
  return {
    model: spec.model,
    instructions: analysisInstructions(spec, spec.business),
    input: transcriptText(call),
    text: { format: { type: 'json_schema', name: analysisFormatName, strict: true, schema: outputSchema(spec) } },
    // Nothing to keep at OpenAI: the answer is stored in the call record.
    store: false,
    metadata: { switchboard_call_id: call.callId, ...(call.profile ? { switchboard_profile: call.profile } : {}) },
  };
}

export interface AnalysisAnswer {
  summary: string | null;
  success: boolean | null;
  fields: Record<string, unknown> | null;
  tokens: ResponsesTokens;
}

export class AnalysisAnswerError extends Error {
  override readonly name = 'AnalysisAnswerError';
}

export function responseTokens(response: Pick<Response, 'usage'>): ResponsesTokens {
  const u = response.usage;
  return {
    inputTokens: u?.input_tokens ?? 0,
    cachedTokens: u?.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: u?.input_tokens_details?.cache_write_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
  };
}

/** The structured answer; throws AnalysisAnswerError when the response is incomplete, refused or not the schema. */
export function readAnalysis(spec: AnalysisSpec, response: Response): AnalysisAnswer {
  if (response.status !== 'completed') {
    throw new AnalysisAnswerError(
      `response ${response.status ?? 'without status'}${response.incomplete_details?.reason ? `: ${response.incomplete_details.reason}` : ''}`,
    );
  }
  for (const item of response.output) {
    if (item.type !== 'message') continue;
    for (const part of item.content) if (part.type === 'refusal') throw new AnalysisAnswerError(`the model refused: ${part.refusal}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(response.output_text);
  } catch {
    throw new AnalysisAnswerError('the answer is not JSON');
  }
  const checked = spec.checkOutput(value);
  if (!checked.ok) throw new AnalysisAnswerError(`the answer does not match the schema: ${checked.message}`);
  const v = value as { summary?: string; success?: boolean; fields?: Record<string, unknown> };
  return {
    summary: spec.summary ? (v.summary ?? null) : null,
    success: spec.successCriteria ? (v.success ?? null) : null,
    fields: spec.fields ? (v.fields ?? null) : null,
    tokens: responseTokens(response),
  };
}
