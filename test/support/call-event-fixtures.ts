// Test data: the CallEvents of typical calls, as CallSession and answerCall emit them.
import type { CallEvent } from '../../src/calls/call-events.ts';
import { parseCallParties, type SipHeader } from '../../src/sip/index.ts';

export const fixtureSipHeaders: SipHeader[] = [
  { name: 'From', value: '"Ann Caller" <sip:+19195551234@sip.bandwidth.com>;tag=a1' },
  { name: 'To', value: '<sip:+18005550100@sip.api.openai.com>' },
  { name: 'Call-ID', value: 'b2b-1234@10.0.0.1' },
  { name: 'Contact', value: '<sip:+19195551234@67.231.5.176:5061;transport=tls>' },
];

export function accepted(callId: string, answerMs = 120): CallEvent {
  return {
    type: 'call.accepted',
    callId,
    parties: parseCallParties(fixtureSipHeaders),
    sipHeaders: fixtureSipHeaders,
    profile: 'default',
    webhookReceivedAt: 1000,
    acceptedAt: 1000 + answerMs,
    answerMs,
    attempts: 1,
  };
}

/** A call where the caller asks for a person and is transferred. */
export function transferCall(callId: string): CallEvent[] {
  const target = 'sip:+19195554321@67.231.5.176:5061;transport=tls';
  return [
    accepted(callId),
    { type: 'control.connected', callId, attempt: 0 },
    { type: 'greeting.requested', callId },
    { type: 'transcript', callId, speaker: 'agent', text: 'Hello! How can I assist you today?', itemId: 'item_a1' },
    { type: 'usage', callId, usage: { inputTokens: 100, outputTokens: 50, totalTokens: 150 } },
    { type: 'transcript', callId, speaker: 'caller', text: 'I would like to talk to a person, please.', itemId: 'item_c1' },
    { type: 'tool.called', callId, toolCallId: 'tc_1', name: 'transfer_call', arguments: '{"reason":"wants a person"}' },
    { type: 'transfer.requested', callId, target },
    { type: 'transfer.completed', callId, target, ok: true, durationMs: 35 },
    {
      type: 'tool.completed',
      callId,
      toolCallId: 'tc_1',
      name: 'transfer_call',
      output: { ok: true, status: 'transferring' },
      durationMs: 36,
    },
    { type: 'usage', callId, usage: { inputTokens: 200, outputTokens: 20, totalTokens: 220 } },
    { type: 'call.ended', callId, reason: 'transferred', endedAt: Date.parse('2025-06-01T12:01:00.000Z') },
  ];
}
