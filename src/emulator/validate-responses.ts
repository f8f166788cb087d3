// Validates a POST /v1/responses body the way OpenAI does, for what the emulator answers:
// text or message input, and text output or structured output (json_schema, strict).
import type {
  EasyInputMessage,
  ResponseCreateParamsBase,
  ResponseFormatTextJSONSchemaConfig,
  ResponseTextConfig,
} from 'openai/resources/responses/responses';
import { type ApiFailure, apiFailure, missingParameter } from './errors.ts';
import {
  at,
  exhaustiveKeys,
  expectArray,
  expectBoolean,
  expectEnum,
  expectObject,
  expectString,
  fail,
  isPlainObject,
  rejectUnknownKeys,
  requireKey,
  runChecks,
} from './param-checks.ts';

const topLevelKeys = exhaustiveKeys<ResponseCreateParamsBase>()([
  'access_programs',
  'background',
  'background_options',
  'context_management',
  'conversation',
  'image',
  'include',
  'input',
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'model',
  'moderation',
  'parallel_tool_calls',
  'previous_response_id',
  'prompt',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'reasoning',
  'safety_identifier',
  'service_tier',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'truncation',
  'user',
]);
const textKeys = exhaustiveKeys<ResponseTextConfig>()(['format', 'verbosity']);
const jsonSchemaKeys = exhaustiveKeys<ResponseFormatTextJSONSchemaConfig>()(['type', 'name', 'schema', 'description', 'strict']);
const messageKeys = exhaustiveKeys<EasyInputMessage>()(['content', 'role', 'phase', 'type']);
const roles = ['user', 'assistant', 'system', 'developer'];

export type OutputFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean };

export interface ResponsesRequest {
  model: string;
  instructions: string | null;
  /** All input text, in order. */
  input: string;
  format: OutputFormat;
  metadata: Record<string, string>;
  store: boolean;
}

function inputText(value: unknown): string {
  if (typeof value === 'string') return value;
  const items = expectArray(value, 'input');
  return items
    .map((raw, i) => {
      const item = expectObject(raw, at('input', i));
      rejectUnknownKeys(item, messageKeys, at('input', i));
      expectEnum(requireKey(item, 'role', at('input', i)), at(at('input', i), 'role'), roles);
      const content = requireKey(item, 'content', at('input', i));
      if (typeof content === 'string') return content;
      return expectArray(content, at(at('input', i), 'content'))
        .map((part, j) => {
          const p = expectObject(part, at(at(at('input', i), 'content'), j));
          if (p.type !== 'input_text')
            fail(
              apiFailure(400, `The emulator takes only input_text content, got '${String(p.type)}'.`, {
                param: at(at(at('input', i), 'content'), j),
              }),
            );
          return expectString(p.text, at(at(at(at('input', i), 'content'), j), 'text'));
        })
        .join('\n');
    })
    .join('\n');
}

function outputFormat(value: unknown): OutputFormat {
  if (value === undefined) return { type: 'text' };
  const text = expectObject(value, 'text');
  rejectUnknownKeys(text, textKeys, 'text');
  if (text.format === undefined) return { type: 'text' };
  const format = expectObject(text.format, 'text.format');
  const type = expectEnum(requireKey(format, 'type', 'text.format'), 'text.format.type', ['text', 'json_object', 'json_schema']);
  if (type !== 'json_schema') {
    rejectUnknownKeys(format, new Set(['type']), 'text.format');
    return { type } as OutputFormat;
  }
  rejectUnknownKeys(format, jsonSchemaKeys, 'text.format');
  const name = expectString(requireKey(format, 'name', 'text.format'), 'text.format.name', { maxLength: 64, pattern: /^[a-zA-Z0-9_-]+$/ });
  const schema = expectObject(requireKey(format, 'schema', 'text.format'), 'text.format.schema');
  const strict = format.strict === undefined || format.strict === null ? false : expectBoolean(format.strict, 'text.format.strict');
  if (format.description !== undefined) expectString(format.description, 'text.format.description');
  if (strict) checkStrict(name, schema);
  return { type: 'json_schema', name, schema, strict };
}

const unsupportedInStrict = [
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'oneOf',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'contains',
  'uniqueItems',
];

/** OpenAI's wording: "Invalid schema for response_format 'NAME': In context=('properties', 'fields'), …". */
function checkStrict(name: string, root: Record<string, unknown>): void {
  const refuse = (context: string[], message: string): never =>
    fail(
      apiFailure(
        400,
        `Invalid schema for response_format '${name}': In context=(${context.map((c) => `'${c}'`).join(', ')}${context.length === 1 ? ',' : ''}), ${message}`,
        {
          param: 'text.format.schema',
          code: 'invalid_json_schema',
        },
      ),
    );
  if (root.type !== 'object') refuse([], `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(root.type)}"'.`);
  const visit = (s: unknown, context: string[]): void => {
    if (!isPlainObject(s)) return;
    for (const key of unsupportedInStrict) if (key in s) refuse(context, `'${key}' is not permitted.`);
    const isObj = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'));
    if (isObj) {
      if (s.additionalProperties !== false) refuse(context, "'additionalProperties' is required to be supplied and to be false.");
      const props = isPlainObject(s.properties) ? s.properties : {};
      const required = Array.isArray(s.required) ? s.required : null;
      const missing = Object.keys(props).find((k) => !required?.includes(k));
      if (required === null || missing !== undefined) {
        refuse(
          context,
          `'required' is required to be supplied and to be an array including every key in properties.${missing ? ` Missing '${missing}'.` : ''}`,
        );
      }
      for (const [k, v] of Object.entries(props)) visit(v, [...context, 'properties', k]);
    }
    if (isPlainObject(s.items)) visit(s.items, [...context, 'items']);
    if (Array.isArray(s.anyOf)) s.anyOf.forEach((v, i) => visit(v, [...context, 'anyOf', String(i)]));
    if (isPlainObject(s.$defs)) for (const [k, v] of Object.entries(s.$defs)) visit(v, [...context, '$defs', k]);
  };
  visit(root, []);
}

function metadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const obj = expectObject(value, 'metadata');
  const keys = Object.keys(obj);
  if (keys.length > 16)
    fail(
      apiFailure(400, "Invalid 'metadata': too many properties. Expected an object with at most 16 properties.", {
        param: 'metadata',
        code: 'object_above_max_properties',
      }),
    );
  return Object.fromEntries(keys.map((k) => [k, expectString(obj[k], at('metadata', k), { maxLength: 512 })]));
}

export function validateResponsesRequest(body: unknown): { ok: true; value: ResponsesRequest } | { ok: false; failure: ApiFailure } {
  return runChecks(() => {
    const obj = expectObject(body ?? {}, 'body');
    rejectUnknownKeys(obj, topLevelKeys, '');
    if (obj.model === undefined) fail(missingParameter('model'));
    const model = expectString(obj.model, 'model');
    if (obj.stream === true)
      fail(apiFailure(400, 'The emulator does not stream responses: leave stream out or false.', { param: 'stream' }));
    if (obj.input === undefined) fail(missingParameter('input'));
    const instructions =
      obj.instructions === undefined || obj.instructions === null ? null : expectString(obj.instructions, 'instructions');
    return {
      model,
      instructions,
      input: inputText(obj.input),
      format: outputFormat(obj.text),
      metadata: metadata(obj.metadata),
      store: obj.store === undefined || obj.store === null ? true : expectBoolean(obj.store, 'store'),
    };
  });
}
