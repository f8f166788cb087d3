import { describe, expect, it } from 'vitest';
import { validateAccept } from './validate-accept.ts';

const errorOf = (body: unknown, prefix = '') => {
  const result = validateAccept(body, prefix);
  return result.ok ? undefined : { status: result.failure.status, ...result.failure.body.error };
};

describe('validateAccept', () => {
  it('accepts a full SIP session config', () => {
    const result = validateAccept({
      type: 'realtime',
      model: 'gpt-realtime',
      instructions: 'Be brief.',
      audio: {
        input: {
          transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
          turn_detection: { type: 'server_vad', idle_timeout_ms: 6000, create_response: true, interrupt_response: true },
          noise_reduction: { type: 'near_field' },
        },
        output: { voice: 'cedar', speed: 1.1 },
      },
      tools: [{ type: 'function', name: 'transfer_call', description: 'x', parameters: { type: 'object' } }],
      tool_choice: { type: 'function', name: 'transfer_call' },
      max_output_tokens: 'inf',
      tracing: 'auto',
      truncation: { type: 'retention_ratio', retention_ratio: 0.8 },
      prompt: { id: 'pmpt_1', variables: { a: 'b' } },
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.warnings).toEqual([]);
  });

  it('requires type: realtime', () => {
    expect(errorOf({ model: 'gpt-realtime' })).toMatchObject({ status: 400, code: 'missing_required_parameter', param: 'type' });
    expect(errorOf({ type: 'transcription' })).toMatchObject({ code: 'invalid_value', param: 'type' });
  });

  it('refuses a top-level voice as an unknown parameter (the real field is audio.output.voice)', () => {
    expect(errorOf({ type: 'realtime', voice: 'marin' })).toMatchObject({
      code: 'unknown_parameter',
      param: 'voice',
      message: "Unknown parameter: 'voice'.",
      type: 'invalid_request_error',
    });
  });

  it.each(['threshold', 'prefix_padding_ms', 'silence_duration_ms'])('refuses turn_detection.%s for SIP', (key) => {
    const body = { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', [key]: 1 } } } };
    expect(errorOf(body)).toMatchObject({ code: 'unknown_parameter', param: `audio.input.turn_detection.${key}` });
  });

  it('checks turn detection type and eagerness', () => {
    const td = (turn_detection: unknown) => ({ type: 'realtime', audio: { input: { turn_detection } } });
    expect(errorOf(td({ type: 'vad' }))).toMatchObject({ code: 'invalid_value', param: 'audio.input.turn_detection.type' });
    expect(errorOf(td({ type: 'semantic_vad', eagerness: 'eager' }))).toMatchObject({ param: 'audio.input.turn_detection.eagerness' });
    expect(errorOf(td({ type: 'semantic_vad', idle_timeout_ms: 6000 }))).toMatchObject({ code: 'unknown_parameter' });
    expect(errorOf(td(null))).toBeUndefined();
  });

  it('checks voices', () => {
    const voice = (v: unknown) => ({ type: 'realtime', audio: { output: { voice: v } } });
    expect(errorOf(voice('nova'))).toMatchObject({ code: 'invalid_value', param: 'audio.output.voice' });
    expect(errorOf(voice('marin'))).toBeUndefined();
    expect(errorOf(voice({ id: 'voice_123' }))).toBeUndefined();
  });

  it('checks tools: type, name pattern, unique names', () => {
    const tools = (t: unknown) => ({ type: 'realtime', tools: t });
    expect(errorOf(tools([{ name: 'x' }]))).toMatchObject({ code: 'missing_required_parameter', param: 'tools[0].type' });
    expect(errorOf(tools([{ type: 'function', name: 'bad name' }]))).toMatchObject({ code: 'invalid_value', param: 'tools[0].name' });
    expect(
      errorOf(
        tools([
          { type: 'function', name: 'a' },
          { type: 'function', name: 'a' },
        ]),
      ),
    ).toMatchObject({ param: 'tools[1].name' });
    expect(errorOf(tools([{ type: 'function', name: 'a', strict: true }]))).toMatchObject({
      code: 'unknown_parameter',
      param: 'tools[0].strict',
    });
    expect(errorOf({ type: 'realtime', tools: [], tool_choice: { type: 'function', name: 'a' } })).toMatchObject({
      param: 'tool_choice.name',
    });
  });

  it('checks value types with OpenAI wording', () => {
    expect(errorOf({ type: 'realtime', model: 42 })).toMatchObject({
      code: 'invalid_type',
      param: 'model',
      message: "Invalid type for 'model': expected a string, but got an integer instead.",
    });
    expect(errorOf({ type: 'realtime', audio: { input: { transcription: { model: 1 } } } })).toMatchObject({
      param: 'audio.input.transcription.model',
    });
    expect(errorOf({ type: 'realtime', max_output_tokens: 5000 })).toMatchObject({ code: 'integer_above_max_value' });
    expect(errorOf([])).toMatchObject({ code: 'invalid_type' });
  });

  it('warns about audio formats, which SDP negotiates for SIP', () => {
    const result = validateAccept({ type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' } } } });
    expect(result.ok && result.value.warnings).toEqual(['audio.input.format is ignored for SIP calls: SDP negotiates the codec']);
  });

  it('prefixes params for session.update', () => {
    expect(errorOf({ type: 'realtime', voice: 'x' }, 'session')).toMatchObject({ param: 'session.voice' });
  });
});
