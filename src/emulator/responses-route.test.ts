import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

async function sdkError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

const transcript = [
  'Call facts:',
  '- outcome: completed (caller hangup)',
  '',
  'Transcript:',
  '[0:00] Agent: Hello! How can I help?',
  '[0:03] Caller: Hi, my order A-1234 has not arrived. I ordered 3 boxes on 2026-11-20.',
  '[0:09] Agent: Let me check that.',
  '[0:15] Caller: Great, that resolved it, thank you!',
].join('\n');

const schema = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    success: { type: 'boolean' },
    fields: {
      type: 'object',
      properties: {
        orderNumber: { type: ['string', 'null'], pattern: '^[A-Z]-\\d+$' },
        resolved: { type: 'boolean' },
        callbackRequested: { type: 'boolean' },
        boxes: { type: 'integer', minimum: 1 },
        orderedOn: { type: 'string', format: 'date' },
        topic: { type: 'string', enum: ['billing', 'delivery', 'order'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['orderNumber', 'resolved', 'callbackRequested', 'boxes', 'orderedOn', 'topic', 'tags'],
      additionalProperties: false,
    },
  },
  required: ['summary', 'success', 'fields'],
  additionalProperties: false,
};

const request = (over: Partial<ResponseCreateParamsNonStreaming> = {}): ResponseCreateParamsNonStreaming => ({
  model: 'gpt-6-luna',
  instructions: 'Review the call.',
  input: transcript,
  text: { format: { type: 'json_schema', name: 'call_analysis', strict: true, schema } },
  store: false,
  ...over,
});

describe('POST /v1/responses', () => {
  let emu: Emulator;
  let client: OpenAI;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret, logger: false });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
  });
  afterEach(() => emu.close());

  it('answers strict structured output derived from the transcript, the same every time, with usage', async () => {
    const response = await client.responses.create(request());
    expect(response.status).toBe('completed');
    expect(JSON.parse(response.output_text)).toEqual({
      summary:
        'The caller said: "Hi, my order A-1234 has not arrived. I ordered 3 boxes on 2026-11-20." and 1 more thing. The call ended completed (caller hangup).',
      success: true,
      fields: {
        orderNumber: 'A-1234',
        resolved: true,
        callbackRequested: false,
        boxes: 3,
        orderedOn: '2026-11-20',
        topic: 'order',
        tags: [],
      },
    });
    expect(response.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      input_tokens_details: { cached_tokens: 0 },
    });
    expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + response.usage!.output_tokens);
    const again = await client.responses.create(request());
    expect(again.output_text).toBe(response.output_text);
    expect(again.id).not.toBe(response.id);
  });

  it('refuses a strict schema with an open object, as OpenAI does', async () => {
    const open = { ...schema, properties: { ...schema.properties, fields: { ...schema.properties.fields, additionalProperties: true } } };
    const err = await sdkError(
      client.responses.create(request({ text: { format: { type: 'json_schema', name: 'call_analysis', strict: true, schema: open } } })),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_json_schema');
    expect(err.param).toBe('text.format.schema');
    expect(err.message).toContain(
      "Invalid schema for response_format 'call_analysis': In context=('properties', 'fields'), 'additionalProperties' is required to be supplied and to be false.",
    );
  });

  it('refuses a strict schema with an optional property', async () => {
    const fields = { ...schema.properties.fields, required: ['resolved'] };
    const err = await sdkError(
      client.responses.create(
        request({
          text: {
            format: {
              type: 'json_schema',
              name: 'call_analysis',
              strict: true,
              schema: { ...schema, properties: { ...schema.properties, fields } },
            },
          },
        }),
      ),
    );
    expect(err.code).toBe('invalid_json_schema');
    expect(err.message).toContain("Missing 'orderNumber'.");
  });

  it('refuses unknown parameters, a missing model, a bad format name and unknown models', async () => {
    const unknown = await sdkError(client.responses.create({ ...request(), temprature: 1 } as unknown as ResponseCreateParamsNonStreaming));
    expect([unknown.status, unknown.code, unknown.param]).toEqual([400, 'unknown_parameter', 'temprature']);
    const { model: _m, ...noModel } = request();
    const missing = await sdkError(client.responses.create(noModel as ResponseCreateParamsNonStreaming));
    expect([missing.code, missing.param]).toEqual(['missing_required_parameter', 'model']);
    const badName = await sdkError(
      client.responses.create(request({ text: { format: { type: 'json_schema', name: 'call analysis', strict: true, schema } } })),
    );
    expect(badName.param).toBe('text.format.name');
    const model = await sdkError(client.responses.create(request({ model: 'davinci-2' })));
    expect([model.status, model.code]).toEqual([404, 'model_not_found']);
    const key = await sdkError(
      new OpenAI({ apiKey: 'sk-wrong-key-000000000', baseURL: emu.baseURL, maxRetries: 0 }).responses.create(request()),
    );
    expect(key.status).toBe(401);
  });

  it('records the request on the call it names, and plays that call’s faults', async () => {
    const call = emu.createCall({ ringTimeoutMs: 60_000, faults: { responsesStatuses: [503] } });
    const first = await sdkError(client.responses.create(request({ metadata: { switchboard_call_id: call.id } })));
    expect(first.status).toBe(503);
    await client.responses.create(request({ metadata: { switchboard_call_id: call.id } }));
    expect(call.record.analyses.map((a) => a.status)).toEqual([503, 200]);
    expect(emu.timeline(call.id)).toContain('POST /v1/responses → 200');
  });
});
