// One registry of coded errors. Each carries structured fields, so logs and
// API answers say what went wrong without parsing messages.

export const errorCodes = {
  SB_CONFIG_INVALID: 'configuration is invalid',
  SB_WEBHOOK_SIGNATURE: 'webhook signature is missing, invalid or stale',
  SB_WEBHOOK_BODY: 'webhook body is malformed',
  SB_ACCEPT_FAILED: 'accepting the call failed',
  SB_CALL_GONE: 'the call no longer exists at OpenAI',
  SB_TRANSFER_NO_HOST: 'no SIP host to transfer to',
  SB_TRANSFER_FAILED: 'the REFER request failed',
  SB_TOOL_UNKNOWN: 'the model called a tool that does not exist',
  SB_TOOL_ARGUMENTS: 'the tool arguments are invalid',
  SB_DRAINING: 'the server is draining and takes no new calls',
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
