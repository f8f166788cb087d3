import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { describe, expect, it } from 'vitest';
import { ResponseGate } from './response-gate.ts';

const created = (id: string) => ({ type: 'response.created', event_id: 'e', response: { id } }) as RealtimeServerEvent;
const done = (id: string) => ({ type: 'response.done', event_id: 'e', response: { id, status: 'completed' } }) as RealtimeServerEvent;
const refused = (eventId: string, code: string) =>
  ({
    type: 'error',
    event_id: 'e',
    error: { type: 'invalid_request_error', code, message: 'no', event_id: eventId },
  }) as RealtimeServerEvent;

function gate() {
  const sent: RealtimeClientEvent[] = [];
  const g = new ResponseGate((e) => void sent.push(e));
  const lastId = () => (sent.at(-1) as { event_id: string }).event_id;
  return { g, sent, lastId };
}

describe('ResponseGate', () => {
  it('sends one response at a time, the next after response.done', () => {
    const { g, sent } = gate();
    g.create({ instructions: 'one' });
    g.create({ instructions: 'two' });
    expect(sent).toHaveLength(1);
    g.observe(created('r1'));
    g.observe(done('r1'));
    expect(sent.map((e) => (e as { response?: { instructions?: string } }).response?.instructions)).toEqual(['one', 'two']);
  });

  it('a refused request does not hold the gate shut', () => {
    const { g, sent, lastId } = gate();
    g.create({ instructions: 'bad' });
    g.create({ instructions: 'next' });
    g.observe(refused(lastId(), 'invalid_value'));
    expect(sent).toHaveLength(2);
    expect(g.busy).toBe(true); // 'next' is out now
  });

  it('retries after the response that got there first', () => {
    const { g, sent, lastId } = gate();
    g.create({ instructions: 'mine' });
    g.observe(created('r_model')); // the model started one on its own
    g.observe(refused(lastId(), 'conversation_already_has_active_response'));
    expect(sent).toHaveLength(1);
    g.observe(done('r_model'));
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ type: 'response.create', response: { instructions: 'mine' } });
  });
});
