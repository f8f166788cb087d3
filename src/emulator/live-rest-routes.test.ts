import OpenAI from 'openai';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.ts';
import type { ScenarioInput } from './scenario.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const liveBody: SessionAcceptParams = { session: { type: 'live', model: 'gpt-live-1', audio: { output: { voice: 'cedar' } } } };

async function sdkError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

/** A body the SDK's types would not allow, sent as is. */
const loose = (body: unknown) => body as SessionAcceptParams;

describe('GPT-Live session REST', () => {
  let emu: Emulator;
  let client: OpenAI;
  const pending = (scenario: ScenarioInput = {}) => emu.createCall({ ringTimeoutMs: 60_000, ...scenario });

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(() => emu.close());

  it('accepts { session: { type: live, model, … } } on the live_… id and resolves the defaults', async () => {
    const call = pending();
    await client.live.sessions.accept(call.liveSessionId, liveBody);
    expect(call.record).toMatchObject({ state: 'accepted', surface: 'live' });
    expect(call.record.accepts[0]).toMatchObject({ surface: 'live', status: 200 });
    expect(call.record.liveSession).toMatchObject({
      id: call.liveSessionId,
      model: 'gpt-live-1',
      status: 'active',
      store: false,
      audio: { output: { voice: 'cedar' } },
      delegation: { type: 'client', acknowledgement_delay_ms: 0 },
    });
    expect(emu.timeline(call.id)).toContain('accept   live model=gpt-live-1 voice=cedar delegation=client store=off');
  });

  it.each([
    ['a flat Realtime body', { type: 'live', model: 'gpt-live-1' }, 400, 'unknown_parameter', 'type'],
    ['no session', {}, 400, 'missing_required_parameter', 'session'],
    ['no model', { session: { type: 'live' } }, 400, 'missing_required_parameter', 'session.model'],
    ['type realtime', { session: { type: 'realtime', model: 'gpt-live-1' } }, 400, 'invalid_value', 'session.type'],
    ['a Realtime model', { session: { type: 'live', model: 'gpt-realtime-2.1' } }, 400, 'invalid_value', 'session.model'],
    ['tools on the Live model', { session: { type: 'live', model: 'gpt-live-1', tools: [] } }, 400, 'unknown_parameter', 'session.tools'],
    ['a top-level voice', { session: { type: 'live', model: 'gpt-live-1', voice: 'marin' } }, 400, 'unknown_parameter', 'session.voice'],
    [
      'an audio format (SIP negotiates it)',
      { session: { type: 'live', model: 'gpt-live-1', audio: { format: { type: 'audio/pcm' } } } },
      400,
      'unknown_parameter',
      'session.audio.format',
    ],
    [
      'an input audio config',
      { session: { type: 'live', model: 'gpt-live-1', audio: { input: {} } } },
      400,
      'unknown_parameter',
      'session.audio.input',
    ],
    [
      'an unknown voice',
      { session: { type: 'live', model: 'gpt-live-1', audio: { output: { voice: 'nova' } } } },
      400,
      'invalid_value',
      'session.audio.output.voice',
    ],
    ['store as a string', { session: { type: 'live', model: 'gpt-live-1', store: 'yes' } }, 400, 'invalid_type', 'session.store'],
    [
      'a delegation without a model',
      { session: { type: 'live', model: 'gpt-live-1', delegation: { type: 'responses', responses: { tools: [] } } } },
      400,
      'missing_required_parameter',
      'session.delegation.responses.model',
    ],
    [
      'a function tool with an unknown key',
      {
        session: {
          type: 'live',
          model: 'gpt-live-1',
          delegation: { type: 'responses', responses: { model: 'gpt-5.2', tools: [{ type: 'function', name: 'x', schema: {} }] } },
        },
      },
      400,
      'unknown_parameter',
      'session.delegation.responses.tools[0].schema',
    ],
    [
      'a tool_choice naming a missing function',
      {
        session: {
          type: 'live',
          model: 'gpt-live-1',
          delegation: { type: 'responses', responses: { model: 'gpt-5.2', tool_choice: { type: 'function', name: 'nope' } } },
        },
      },
      400,
      'invalid_value',
      'session.delegation.responses.tool_choice.name',
    ],
    [
      'an initial message with two parts',
      { session: { type: 'live', model: 'gpt-live-1', input: [{ role: 'user', content: [{ text: 'a' }, { text: 'b' }] }] } },
      400,
      'invalid_value',
      'session.input[0].content',
    ],
  ])('refuses %s', async (_label, body, status, code, param) => {
    const call = pending();
    const err = await sdkError(client.live.sessions.accept(call.liveSessionId, loose(body)));
    expect({ status: err.status, code: err.code, param: err.param }).toEqual({ status, code, param });
    expect(call.record.state).toBe('pending');
  });

  it('takes a Responses delegation with function and hosted tools, and store', async () => {
    const call = pending();
    await client.live.sessions.accept(call.liveSessionId, {
      session: {
        type: 'live',
        model: 'gpt-live-1',
        instructions: 'Hand transfers to the backend.',
        store: true,
        delegation: {
          type: 'responses',
          acknowledgement_delay_ms: 200,
          responses: {
            model: 'gpt-5.2',
            instructions: 'Use the tools.',
            tools: [{ type: 'function', name: 'transfer_call', parameters: { type: 'object', properties: {} } }, { type: 'web_search' }],
            tool_choice: 'auto',
            reasoning: { effort: 'low' },
          },
        },
      },
    });
    expect(call.record.liveSession).toMatchObject({ store: true, delegation: { type: 'responses', acknowledgement_delay_ms: 200 } });
  });

  it('refuses a Live accept on a call that is not SRTP (GPT-Live needs SRTP media)', async () => {
    const call = pending({ sipMediaSecurity: 'rtp' });
    const err = await sdkError(client.live.sessions.accept(call.liveSessionId, liveBody));
    expect(err.code).toBe('unsupported_media_security');
  });

  it('the first successful accept chooses the surface; the other id refuses accept and call control', async () => {
    const call = pending();
    await client.live.sessions.accept(call.liveSessionId, liveBody);
    const realtime = await sdkError(client.realtime.calls.accept(call.id, { type: 'realtime' }));
    expect({ status: realtime.status, code: realtime.code }).toEqual({ status: 400, code: 'call_not_pending' });
    expect(realtime.message).toContain('through the Live API');
    const refer = await sdkError(client.realtime.calls.refer(call.id, { target_uri: 'sip:+19195554321@67.231.5.176:5061' }));
    expect(refer.code).toBe('call_surface_mismatch');

    const other = pending();
    await client.realtime.calls.accept(other.id, { type: 'realtime' });
    const live = await sdkError(client.live.sessions.accept(other.liveSessionId, liveBody));
    expect(live.code).toBe('call_not_pending');
    expect(live.message).toContain('through the Realtime API');
    expect(other.record.surface).toBe('realtime');
  });

  it('answers each API to its own ids only', async () => {
    const call = pending();
    const wrongApi = await sdkError(client.live.sessions.accept(call.id, liveBody));
    expect({ status: wrongApi.status, code: wrongApi.code }).toEqual({ status: 404, code: 'session_not_found' });
    const wrongId = await sdkError(client.realtime.calls.accept(call.liveSessionId, { type: 'realtime' }));
    expect(wrongId.code).toBe('call_id_not_found');
  });

  it('reject requires a status from 300 to 699 and ends the call on both ids', async () => {
    const call = pending();
    const missing = await sdkError(client.live.sessions.reject(call.liveSessionId, loose({}) as never));
    expect({ code: missing.code, param: missing.param }).toEqual({ code: 'missing_required_parameter', param: 'status_code' });
    const low = await sdkError(client.live.sessions.reject(call.liveSessionId, { status_code: 200 }));
    expect(low.code).toBe('integer_below_min_value');
    await client.live.sessions.reject(call.liveSessionId, { status_code: 486 });
    expect(call.record).toMatchObject({ state: 'ended', endedBy: 'reject' });
    expect(emu.check(call.id, { rejectStatus: 486 })).toEqual([]);
  });

  it('refer needs a nonblank sip:/tel: target and goes through the carrier like Realtime; hangup ends the call', async () => {
    const call = pending({ carrier: 'any' });
    await client.live.sessions.accept(call.liveSessionId, liveBody);
    const blank = await sdkError(client.live.sessions.refer(call.liveSessionId, { target_uri: '  ' }));
    expect(blank.code).toBe('invalid_value');
    await client.live.sessions.refer(call.liveSessionId, { target_uri: 'tel:+19195554321' });
    expect(call.record.refers.at(-1)).toMatchObject({ surface: 'live', status: 200, targetUri: 'tel:+19195554321' });
    await call.ended;
    expect(call.record.endedBy).toBe('refer');

    const other = pending();
    await client.live.sessions.accept(other.liveSessionId, liveBody);
    await client.live.sessions.hangup(other.liveSessionId);
    expect(other.record).toMatchObject({ state: 'ended', endedBy: 'hangup' });
  });

  it('serves the stored recording after the call as a stereo WAV; not before, and not without store', async () => {
    const call = pending({ faults: { recordingStatuses: [503] } });
    await client.live.sessions.accept(call.liveSessionId, { session: { ...liveBody.session, store: true } });
    const active = await sdkError(client.live.sessions.downloadRecording(call.liveSessionId));
    expect(active.status).toBe(503); // the injected fault comes first
    const stillActive = await sdkError(client.live.sessions.downloadRecording(call.liveSessionId));
    expect({ status: stillActive.status, code: stillActive.code }).toEqual({ status: 409, code: 'session_active' });
    await client.live.sessions.hangup(call.liveSessionId);
    const res = await client.live.sessions.downloadRecording(call.liveSessionId);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await res.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(2); // stereo: caller left, agent right
    expect(wav.readUInt32LE(24)).toBe(24_000);
    expect(emu.check(call.id, { recordingDownloaded: true })).toEqual([]);

    const unstored = pending();
    await client.live.sessions.accept(unstored.liveSessionId, liveBody);
    await client.live.sessions.hangup(unstored.liveSessionId);
    const err = await sdkError(client.live.sessions.downloadRecording(unstored.liveSessionId));
    expect({ status: err.status, code: err.code }).toEqual({ status: 404, code: 'session_not_stored' });
  });
});
