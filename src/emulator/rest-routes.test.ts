import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

/** The error the SDK throws, or a failure if the call succeeded. */
async function sdkError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('call-control REST', () => {
  let emu: Emulator;
  let client: OpenAI;
  const pending = (scenario: ScenarioInput = {}) => emu.createCall({ ringTimeoutMs: 60_000, ...scenario });

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(() => emu.close());

  it('accepts a valid accept body with 200 and records the session', async () => {
    const call = pending();
    await client.realtime.calls.accept(call.id, { type: 'realtime', model: 'gpt-realtime', audio: { output: { voice: 'marin' } } });
    expect(call.record.state).toBe('accepted');
    expect(call.record.accepts[0]).toMatchObject({ status: 200, body: { type: 'realtime', model: 'gpt-realtime' } });
    expect(call.record.session?.audio?.output?.voice).toBe('marin');
    expect(emu.timeline(call.id)).toContain('accept   model=gpt-realtime voice=marin tools=[] transcription=off');
  });

  it('answers 400 param type when type is missing', async () => {
    const call = pending();
    const err = await sdkError(
      client.realtime.calls.accept(call.id, { model: 'gpt-realtime' } as unknown as OpenAI.Realtime.CallAcceptParams),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('type');
    expect(err.code).toBe('missing_required_parameter');
    expect(call.record.state).toBe('pending');
    expect(call.record.accepts[0]?.status).toBe(400);
  });

  it('answers 400 unknown_parameter for a top-level voice', async () => {
    const call = pending();
    const body = { type: 'realtime', voice: 'marin' } as unknown as OpenAI.Realtime.CallAcceptParams;
    const err = await sdkError(client.realtime.calls.accept(call.id, body));
    expect(err.status).toBe(400);
    expect(err.code).toBe('unknown_parameter');
    expect(err.message).toContain("Unknown parameter: 'voice'.");
  });

  it('answers 400 for turn_detection.threshold on a SIP call', async () => {
    const call = pending();
    const err = await sdkError(
      client.realtime.calls.accept(call.id, {
        type: 'realtime',
        audio: { input: { turn_detection: { type: 'server_vad', threshold: 0.6 } } },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.param).toBe('audio.input.turn_detection.threshold');
  });

  it('answers 404 call_id_not_found for an unknown call', async () => {
    const err = await sdkError(client.realtime.calls.accept('rtc_00000000000000000000000000000000', { type: 'realtime' }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('call_id_not_found');
  });

  it('answers 401 invalid_api_key for a wrong key, and records the refusal', async () => {
    const call = pending();
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-0000000000', baseURL: emu.baseURL, maxRetries: 0 });
    const err = await sdkError(wrong.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.type).toBe('invalid_request_error');
    expect(call.record.accepts[0]?.status).toBe(401);
    expect(call.record.state).toBe('pending');
  });

  it('answers 400 for malformed JSON', async () => {
    const call = pending();
    const res = await fetch(`${emu.baseURL}/realtime/calls/${call.id}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: '{"type": "realtime",',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string; param: null; code: null } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('could not parse the JSON body');
    expect(call.record.accepts[0]?.body).toBe('{"type": "realtime",');
  });

  it('refuses a second accept with 400 call_not_pending', async () => {
    const call = pending();
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const err = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(err.status).toBe(400);
    expect(err.code).toBe('call_not_pending');
  });

  it('refuses refer before accept, and a target that is not sip:/sips:/tel:', async () => {
    const call = pending();
    const early = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061' }));
    expect(early.status).toBe(400);
    expect(early.code).toBe('call_not_accepted');
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const bad = await sdkError(client.realtime.calls.refer(call.id, { target_uri: '+19195554321' }));
    expect(bad.param).toBe('target_uri');
    const missing = await sdkError(client.realtime.calls.refer(call.id, {} as OpenAI.Realtime.CallReferParams));
    expect(missing.code).toBe('missing_required_parameter');
    expect(call.record.refers.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it('refers to the Contact host: 200, then the call ends', async () => {
    const call = pending();
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    await client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061;transport=tls' });
    const record = await call.ended;
    expect(record.endedBy).toBe('refer');
    expect(record.refers[0]).toMatchObject({ status: 200, targetUri: 'sip:+19195554321@67.231.5.176:5061;transport=tls' });
  });

  it('declines a REFER Bandwidth would not route (tel:, another host), unless the carrier is "any"', async () => {
    const call = pending();
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const tel = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'tel:+19195554321' }));
    expect(tel.code).toBe('refer_failed');
    const otherHost = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@10.0.0.1:5061' }));
    expect(otherHost.message).toContain("is not the INVITE's Contact host 67.231.5.176:5061");
    const lenient = pending({ carrier: 'any' });
    await client.realtime.calls.accept(lenient.id, { type: 'realtime' });
    await client.realtime.calls.refer(lenient.id, { target_uri: 'tel:+19195554321' });
    expect((await lenient.ended).endedBy).toBe('refer');
  });

  it('rejects with 603 by default and ends the call; validates status_code', async () => {
    const call = pending();
    const bad = await sdkError(client.realtime.calls.reject(call.id, { status_code: 200 }));
    expect(bad.code).toBe('integer_below_min_value');
    await client.realtime.calls.reject(call.id);
    const record = await call.ended;
    expect(record.endedBy).toBe('reject');
    expect(emu.check(call.id, { rejectStatus: 603 })).toEqual([]);
    const again = await sdkError(client.realtime.calls.reject(call.id, { status_code: 486 }));
    expect(again.status).toBe(404);
  });

  it('hangs up with 200 and answers 404 on an ended call', async () => {
    const call = pending();
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    await client.realtime.calls.hangup(call.id);
    expect((await call.ended).endedBy).toBe('hangup');
    const err = await sdkError(client.realtime.calls.hangup(call.id));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(call.record.hangups.map((h) => h.status)).toEqual([200, 404]);
  });

  it('injects accept faults: the first attempts answer 500 and 503, then the accept works', async () => {
    const call = pending({ faults: { acceptStatuses: [500, 503] } });
    const first = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(first).toBeInstanceOf(OpenAI.InternalServerError);
    expect(first.type).toBe('server_error');
    const second = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(second.status).toBe(503);
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    expect(call.record.accepts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it('injects a 404 accept fault: the call is gone', async () => {
    const call = pending({ faults: { acceptStatuses: [404] } });
    const err = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(err.code).toBe('call_id_not_found');
    expect((await call.ended).state).toBe('ended');
  });

  it('injects a refer fault with an OpenAI-shaped error', async () => {
    const call = pending({ faults: { referStatus: 500 } });
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const err = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061' }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(call.record.state).toBe('accepted');
  });

  it('refer.never: the request hangs, nothing happens, until the client gives up', async () => {
    const call = pending({ faults: { refer: { never: true } } });
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const err = await client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061' }, { timeout: 200 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(call.record.refers[0]?.status).toBeUndefined();
    expect(call.record.state).toBe('accepted');
    expect(emu.timeline(call.id)).toContain('refer held: no answer (fault)');
  });

  it('accept.answerAfterMs: the call is accepted at once, the answer comes later', async () => {
    const call = pending({ faults: { accept: { answerAfterMs: 400 } } });
    const accepting = client.realtime.calls.accept(call.id, { type: 'realtime' }, { timeout: 100 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(await accepting).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(call.record.state).toBe('accepted');
    // A retry is refused as OpenAI would: the first one took effect.
    const retry = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect(retry.code).toBe('call_not_pending');
  });

  it('hangup.statuses and reject.status answer the chosen status and do nothing', async () => {
    const live = pending({ faults: { hangup: { statuses: [503] } } });
    await client.realtime.calls.accept(live.id, { type: 'realtime' });
    expect((await sdkError(client.realtime.calls.hangup(live.id))).status).toBe(503);
    expect(live.record.state).toBe('accepted');
    await client.realtime.calls.hangup(live.id);
    expect(live.record.state).toBe('ended');

    const ringing = pending({ faults: { reject: { status: 500 } } });
    expect((await sdkError(client.realtime.calls.reject(ringing.id, { status_code: 486 }))).status).toBe(500);
    expect(ringing.record.state).toBe('pending');
  });

  it('refer.delayMs holds the answer, then refers; faults keep validation strict', async () => {
    const call = pending({ faults: { refer: { delayMs: 2_000 } } });
    await client.realtime.calls.accept(call.id, { type: 'realtime' });
    const bad = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'tel:+19195554321' }));
    expect(bad.code).toBe('refer_failed');
    const referring = client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061' });
    while (call.record.refers.length < 2) await new Promise((r) => setImmediate(r));
    expect(call.record.refers[1]?.status).toBeUndefined(); // received, not answered yet
    expect(emu.timeline(call.id)).not.toContain('refer → sip:');
    await referring;
    expect(call.record.refers[1]?.status).toBe(200);
    expect((await call.ended).endedBy).toBe('refer');
  });

  it('answers unknown routes with an OpenAI-shaped 404', async () => {
    const res = await fetch(`${emu.baseURL}/realtime/calls/x/transfer`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Invalid URL');
  });
});
