// OpenAI's error shape: {"error":{"message","type","param","code"}}, plus the common cases.

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ApiFailure {
  status: number;
  body: OpenAIErrorBody;
}

export function apiFailure(
  status: number,
  message: string,
  fields: { type?: string; param?: string | null; code?: string | null } = {},
): ApiFailure {
  return {
    status,
    body: {
      error: {
        message,
        type: fields.type ?? 'invalid_request_error',
        param: fields.param ?? null,
        code: fields.code ?? null,
      },
    },
  };
}

/** "an integer", "a string", … as OpenAI words it in invalid_type messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

function maskKey(key: string): string {
  if (key.length < 12) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

export function invalidApiKey(provided: string | undefined): ApiFailure {
  const message =
    provided === undefined
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : `Incorrect API key provided: ${maskKey(provided)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  return apiFailure(401, message, { code: 'invalid_api_key' });
}

export function callNotFound(callId: string): ApiFailure {
  return apiFailure(404, `Call '${callId}' not found.`, { param: 'call_id', code: 'call_id_not_found' });
}

export function modelNotFound(model: string): ApiFailure {
  return apiFailure(404, `The model '${model}' does not exist or you do not have access to it.`, {
    param: 'model',
    code: 'model_not_found',
  });
}

export function invalidJson(): ApiFailure {
  return apiFailure(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );
}

export function invalidUrl(method: string, url: string): ApiFailure {
  return apiFailure(404, `Invalid URL (${method} ${url})`);
}

export function unknownParameter(param: string): ApiFailure {
  return apiFailure(400, `Unknown parameter: '${param}'.`, { param, code: 'unknown_parameter' });
}

export function missingParameter(param: string): ApiFailure {
  return apiFailure(400, `Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });
}

export function invalidType(param: string, expected: string, value: unknown): ApiFailure {
  return apiFailure(400, `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`, {
    param,
    code: 'invalid_type',
  });
}

export function invalidValue(param: string, value: unknown, supported?: readonly string[]): ApiFailure {
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  const tail = supported ? ` Supported values are: ${supported.map((v) => `'${v}'`).join(', ')}.` : '';
  return apiFailure(400, `Invalid value: ${shown}.${tail}`, { param, code: 'invalid_value' });
}

/** The answer OpenAI gives for a server-side failure with that status (fault injection). */
export function serviceFault(status: number): ApiFailure {
  switch (status) {
    case 429:
      return apiFailure(429, 'Rate limit reached for requests. Please try again later.', {
        type: 'requests',
        code: 'rate_limit_exceeded',
      });
    case 500:
      return apiFailure(500, 'The server had an error while processing your request. Sorry about that!', {
        type: 'server_error',
      });
    case 502:
      return apiFailure(502, 'Bad gateway.', { type: 'server_error' });
    case 503:
      return apiFailure(503, 'The engine is currently overloaded, please try again later.', { type: 'server_error' });
    case 504:
      return apiFailure(504, 'The server did not respond in time.', { type: 'server_error' });
    default:
      return apiFailure(status, `Injected failure (HTTP ${status}).`, {
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
      });
  }
}
