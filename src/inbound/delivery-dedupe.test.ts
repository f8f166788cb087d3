import { describe, expect, it } from 'vitest';
import type { AnswerOutcome } from '../pickup/answer-call.ts';
import { DeliveryDedupe } from './delivery-dedupe.ts';
import { httpAnswer } from './webhook-route.ts';

describe('DeliveryDedupe', () => {
  it('gives a duplicate the first delivery’s outcome without answering again', async () => {
    const dedupe = new DeliveryDedupe({ ttlMs: 60_000 });
    let answered = 0;
    const handle = async (): Promise<AnswerOutcome> => ({ kind: 'accepted', callId: `rtc_${++answered}` });
    const first = dedupe.run(['call:rtc_1', 'wh:msg_1'], handle);
    const again = dedupe.run(['call:rtc_1', 'wh:msg_2'], handle);
    expect(again.duplicate).toBe(true);
    expect(await again.answer).toEqual(await first.answer);
    expect(answered).toBe(1);
  });

  it('forgets a failed outcome at once, so the retry answers afresh', async () => {
    const dedupe = new DeliveryDedupe({ ttlMs: 60_000 });
    const first = dedupe.run(['call:rtc_1'], async () => ({ kind: 'failed', callId: 'rtc_1', message: 'deadline passed' }));
    await first.answer;
    await Promise.resolve();
    expect(dedupe.size).toBe(0);
    const retry = dedupe.run(['call:rtc_1'], async () => ({ kind: 'accepted', callId: 'rtc_1' }));
    expect(retry.duplicate).toBe(false);
    expect(await retry.answer).toEqual({ kind: 'accepted', callId: 'rtc_1' });
  });
});

describe('httpAnswer', () => {
  it('maps every outcome to the webhook answer: 200 when settled, 502 when OpenAI should retry', () => {
    expect(httpAnswer({ kind: 'accepted', callId: 'rtc_1' })).toEqual({ status: 200, body: { callId: 'rtc_1', status: 'accepted' } });
    expect(httpAnswer({ kind: 'rejected', callId: 'rtc_1', statusCode: 603, reason: 'blocked_caller' })).toEqual({
      status: 200,
      body: { callId: 'rtc_1', status: 'rejected' },
    });
    expect(httpAnswer({ kind: 'gone', callId: 'rtc_1' })).toEqual({ status: 200, body: { callId: 'rtc_1', status: 'gone' } });
    expect(httpAnswer({ kind: 'failed', callId: 'rtc_1', message: 'x' })).toEqual({
      status: 502,
      body: { error: 'accept_failed', message: 'accepting the call failed', callId: 'rtc_1' },
    });
  });
});
