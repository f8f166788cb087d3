import { APIConnectionError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import type { CallControl } from '../openai/call-control.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { acceptWithRetry } from './accept-call.ts';
import { buildAcceptParams } from './session-config.ts';

const params = buildAcceptParams({
  model: 'gpt-realtime',
  instructions: 'Be kind.',
  voice: 'marin',
  transcriptionModel: 'gpt-4o-mini-transcribe',
  tools: [],
});

function controlAnswering(results: Array<Error | 'ok'>): CallControl & { attempts: number } {
  const c = {
    attempts: 0,
    async accept() {
      const r = results[c.attempts++] ?? 'ok';
      if (r !== 'ok') throw r;
    },
    reject: async () => {},
    refer: async () => {},
    hangup: async () => {},
  };
  return c;
}

const apiError = (status: number, code?: string) =>
  APIError.generate(status, { error: { code, message: `status ${status}` } }, undefined, new Headers());

describe('acceptWithRetry', () => {
  it('retries 5xx, 429 and network errors, then accepts', async () => {
    const clock = new ManualClock();
    const control = controlAnswering([apiError(500), apiError(429), new APIConnectionError({ message: 'reset' }), 'ok']);
    const outcome = await clock.run(acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 3000, clock }));
    expect(outcome).toEqual({ kind: 'accepted', attempts: 4 });
    expect(clock.now()).toBe(100 + 200 + 400); // exponential backoff
  });

  it('treats 404 call_id_not_found as a caller who hung up', async () => {
    const control = controlAnswering([apiError(404, 'call_id_not_found')]);
    expect(await acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 3000 })).toEqual({ kind: 'gone', attempts: 1 });
  });

  it('does not retry a 400: the request itself is wrong', async () => {
    const control = controlAnswering([apiError(400, 'unknown_parameter'), 'ok']);
    const err = await acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 3000 }).catch((e: unknown) => e);
    expect(isSwitchboardError(err, 'SB_ACCEPT_FAILED')).toBe(true);
    expect(control.attempts).toBe(1);
  });

  it('gives up when the deadline passes', async () => {
    const clock = new ManualClock();
    const control = controlAnswering(Array.from({ length: 50 }, () => apiError(503)));
    const err = await clock.run(acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 1000, clock })).catch((e: unknown) => e);
    expect(isSwitchboardError(err, 'SB_ACCEPT_FAILED')).toBe(true);
    expect((err as { fields: { attempts: number; status: number } }).fields).toMatchObject({ attempts: 4, status: 503, uncertain: false });
    expect(clock.now()).toBeLessThan(1000);
  });

  it('says when the last attempt may have landed: no answer came back', async () => {
    const clock = new ManualClock();
    const control = controlAnswering(Array.from({ length: 50 }, () => new APIConnectionError({ message: 'socket hang up' })));
    const err = await clock.run(acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 1000, clock })).catch((e: unknown) => e);
    expect((err as { fields: { uncertain: boolean } }).fields.uncertain).toBe(true);
  });

  it('reports a call that is not pending (accepted already, perhaps by our own late attempt) without retrying', async () => {
    const control = controlAnswering([apiError(400, 'call_not_pending'), 'ok']);
    expect(await acceptWithRetry(control, 'rtc_1', params, { deadlineMs: 3000 })).toEqual({ kind: 'not_pending', attempts: 1 });
    expect(control.attempts).toBe(1);
  });
});

describe('buildAcceptParams', () => {
  it('sets type, voice under audio.output, transcription and semantic VAD without SIP-refused fields', () => {
    expect(params.type).toBe('realtime');
    expect(params.audio?.output?.voice).toBe('marin');
    expect(params.audio?.input?.transcription?.model).toBe('gpt-4o-mini-transcribe');
    const vad = params.audio?.input?.turn_detection as unknown as Record<string, unknown>;
    expect(vad.type).toBe('semantic_vad');
    for (const refused of ['threshold', 'prefix_padding_ms', 'silence_duration_ms']) expect(vad).not.toHaveProperty(refused);
    expect(params).not.toHaveProperty('voice');
    expect(params.audio?.input).not.toHaveProperty('format');
  });
});
