// One registry of error codes. Wire codes are what others read: HTTP answers (webhook,
// operator API), tool outputs the model talks about, call records. SwitchboardError
// codes are thrown inside the process and logged with structured fields.

/** Every error code that leaves the process, with what it means. */
export const wireErrors = {
  // The OpenAI webhook
  invalid_signature: 'the webhook signature is missing, invalid or stale',
  malformed_body: 'the webhook body is malformed: not JSON, not an object, or a field missing',
  body_too_large: 'the body is larger than WEBHOOK_MAX_BODY_BYTES',
  draining: 'the server is draining and takes no new calls',
  accept_failed: 'accepting the call failed',
  claimed_elsewhere: 'another instance is accepting this call right now: retry',
  coordination_unavailable: 'the database the instances coordinate through cannot be reached: retry',
  // Call records
  events_dropped: 'some call events were not recorded: the store was behind and the memory buffer full',
  // The operator API
  unauthorized: 'the API token is missing or wrong',
  api_disabled: 'the operator API is off: set API_TOKEN to turn it on',
  invalid_request: 'the request is invalid',
  not_found: 'no such call, endpoint or file',
  not_live: 'the call is not live',
  owner_unavailable: 'the instance that held the call is gone; another takes it over within seconds: retry',
  relay_timeout: 'the instance that holds the call did not answer in time',
  dtmf_unsupported: 'keypad tones can be sent on GPT-Live calls only: Realtime SIP cannot send DTMF',
  control_unavailable: "the call's control connection is down (reconnecting): try again in a moment",
  internal: 'internal error',
  // Transfers (operator API answers and tool outputs)
  no_sip_host: 'no SIP host to transfer to',
  bad_transfer_target: 'the target is neither a phone number nor a sip: URI',
  transfer_failed: 'the REFER request failed',
  unknown_destination: 'no transfer destination has that name',
  closed: 'the destination is closed right now',
  // Call records
  dtmf_refused: 'GPT-Live refused a keypad tone',
  // Tool outputs
  unknown_tool: 'the model called a tool that does not exist',
  invalid_arguments: 'the tool arguments are invalid',
  tool_failed: 'the tool failed',
  http_error: "the HTTP tool's system answered with an error status",
  timeout: "the HTTP tool's system did not answer in time",
  unreachable: "the HTTP tool's system could not be reached",
  // Call records (`errors[].code`)
  invalid_server_event: 'OpenAI sent an event without the fields Switchboard reads; it was dropped and the call went on',
} as const;

export type WireErrorCode = keyof typeof wireErrors;

/** The body of an error answer: `{ error, message, …extra }`; the message defaults to the code's meaning. */
export function errorBody<E extends Record<string, unknown>>(
  code: WireErrorCode,
  message?: string,
  extra?: E,
): { error: WireErrorCode; message: string } & E {
  return { error: code, message: message ?? wireErrors[code], ...(extra ?? ({} as E)) };
}

export const errorCodes = {
  SB_CONFIG_INVALID: 'configuration is invalid',
  SB_ACCEPT_FAILED: 'accepting the call failed',
  SB_EMULATOR_SCENARIO: 'the emulator scenario is invalid',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail?: string, fields: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(detail ? `${errorCodes[code]}: ${detail}` : errorCodes[code], options);
    this.name = 'SwitchboardError';
    this.code = code;
    this.fields = Object.freeze({ ...fields });
  }
}

export function isSwitchboardError(err: unknown, code?: ErrorCode): err is SwitchboardError {
  return err instanceof SwitchboardError && (code === undefined || err.code === code);
}
