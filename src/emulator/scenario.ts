// What the emulated caller and model do on one call, validated with zod.
import { z } from 'zod';
import { SwitchboardError } from '../errors.ts';

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'expected an E.164 number like +19195551234');
const ms = (max: number) => z.int().min(0).max(max);
const httpErrorStatus = z.int().min(400).max(599);

const stepInput = z
  .strictObject({
    say: z.string().min(1).optional(),
    reply: z.string().min(1).optional(),
    call: z
      .strictObject({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a tool name matching ^[a-zA-Z0-9_-]{1,64}$'),
        arguments: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    dtmf: z
      .string()
      .regex(/^[0-9*#A-D]+$/, 'expected DTMF digits 0-9, *, #, A-D')
      .optional(),
    wait: ms(600_000).optional(),
    drop: z.literal(true).optional(),
    hangup: z.literal(true).optional(),
    frame: z.record(z.string(), z.unknown()).optional(),
    raw: z.string().optional(),
  })
  .superRefine((step, ctx) => {
    const actions = Object.entries(step)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (actions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          actions.length === 0
            ? 'a step needs one of say, reply, call, dtmf, wait, drop, hangup, frame, raw'
            : `a step has exactly one action, got ${actions.join(' and ')}`,
      });
    }
  });

export type Step =
  | { kind: 'say'; text: string }
  | { kind: 'reply'; text: string }
  | { kind: 'call'; name: string; arguments: Record<string, unknown> }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'drop' }
  | { kind: 'hangup' }
  /** A server event sent exactly as written (it may be malformed on purpose). */
  | { kind: 'frame'; frame: Record<string, unknown> }
  /** A text frame sent as it is (not JSON, or JSON that is not an event). */
  | { kind: 'raw'; text: string };

function toStep(s: z.output<typeof stepInput>): Step {
  if (s.say !== undefined) return { kind: 'say', text: s.say };
  if (s.reply !== undefined) return { kind: 'reply', text: s.reply };
  if (s.call !== undefined) return { kind: 'call', name: s.call.name, arguments: s.call.arguments ?? {} };
  if (s.dtmf !== undefined) return { kind: 'dtmf', digits: s.dtmf };
  if (s.wait !== undefined) return { kind: 'wait', ms: s.wait };
  if (s.drop) return { kind: 'drop' };
  if (s.frame !== undefined) return { kind: 'frame', frame: s.frame };
  if (s.raw !== undefined) return { kind: 'raw', text: s.raw };
  return { kind: 'hangup' };
}

/**
 * How one kind of call-control request misbehaves. `never` and `answerAfterMs` play the
 * faults a deadline must cover: a request that hangs, and one that took effect at OpenAI
 * but whose answer comes too late. Validation stays as strict as without faults.
 */
const actionFaultSchema = z
  .strictObject({
    /** Wait this long, then act and answer (a slow service). */
    delayMs: ms(600_000).default(0),
    /** Act at once (the call is accepted, referred, hung up), answer this much later. */
    answerAfterMs: ms(600_000).default(0),
    /** Neither act nor answer: the request hangs until the client gives up. */
    never: z.boolean().default(false),
    /** Every request of this kind is refused with this status, without acting. */
    status: httpErrorStatus.optional(),
    /** The nth request gets statuses[n-1] (then `status`, or a normal answer). */
    statuses: z.array(httpErrorStatus).default([]),
  })
  .prefault({});
export type ActionFault = z.output<typeof actionFaultSchema>;
export type CallAction = 'accept' | 'reject' | 'refer' | 'hangup';

/** A control-socket fault, timed from the first control socket connecting. */
const socketFaultSchema = z
  .strictObject({
    afterMs: ms(600_000).default(0),
    frame: z.record(z.string(), z.unknown()).optional(),
    raw: z.string().optional(),
    drop: z.literal(true).optional(),
  })
  .refine((f) => [f.frame, f.raw, f.drop].filter((v) => v !== undefined).length === 1, {
    message: 'a socket fault has exactly one of frame, raw, drop',
  });
export type SocketFault = z.output<typeof socketFaultSchema>;

export const faultsSchema = z
  .strictObject({
    acceptStatuses: z.array(httpErrorStatus).default([]),
    acceptDelayMs: ms(60_000).default(0),
    referStatus: httpErrorStatus.optional(),
    referStatuses: z.array(httpErrorStatus).default([]),
    serviceDelayMs: ms(60_000).default(0),
    accept: actionFaultSchema,
    reject: actionFaultSchema,
    refer: actionFaultSchema,
    hangup: actionFaultSchema,
    socket: z.array(socketFaultSchema).default([]),
    /** Statuses for this call's POST /v1/responses (the post-call analysis), attempt by attempt. */
    responsesStatuses: z.array(httpErrorStatus).default([]),
    /** Live: statuses for the first recording downloads (GET …/content), in order. */
    recordingStatuses: z.array(httpErrorStatus).default([]),
  })
  .prefault({});
export type Faults = z.output<typeof faultsSchema>;
export type FaultsInput = z.input<typeof faultsSchema>;

/** One action's fault, with the older flat keys (acceptStatuses, referStatus, …) folded in. */
export function actionFault(faults: Faults, action: CallAction): ActionFault {
  const f = faults[action];
  if (action === 'accept') {
    return { ...f, delayMs: f.delayMs + faults.acceptDelayMs, statuses: f.statuses.length > 0 ? f.statuses : faults.acceptStatuses };
  }
  if (action === 'refer') {
    const status = f.status ?? faults.referStatus;
    return { ...f, statuses: f.statuses.length > 0 ? f.statuses : faults.referStatuses, ...(status !== undefined ? { status } : {}) };
  }
  return f;
}

/** 'closed': the server sent session.close on a Live sideband. */
export const endedByValues = ['caller', 'hangup', 'refer', 'reject', 'timeout', 'shutdown', 'closed'] as const;
export const surfaceValues = ['realtime', 'live'] as const;
export const closeReasonValues = ['close_requested', 'expired', 'content', 'remote_hangup', 'connection_lost'] as const;

export const expectSchema = z.strictObject({
  accepted: z.boolean().optional(),
  greeted: z.boolean().optional(),
  referTarget: z.string().optional(),
  hungUp: z.boolean().optional(),
  endedBy: z.enum(endedByValues).optional(),
  functionOutputs: z.int().min(0).optional(),
  transcriptIncludes: z.array(z.string()).optional(),
  rejectStatus: z.int().min(400).max(699).optional(),
  errorEvents: z.int().min(0).optional(),
  connections: z.int().min(0).optional(),
  /** How many accept requests the server sent, on either surface. */
  acceptRequests: z.int().min(0).optional(),
  surface: z.enum(surfaceValues).optional(),
  /** Live: the keys the server sent, in order. */
  dtmfSent: z.string().optional(),
  /** Live: clips played to the end or cut off. */
  fixtures: z.int().min(0).optional(),
  closeReason: z.enum(closeReasonValues).optional(),
  /** Live: the recording was downloaded (200) at least once. */
  recordingDownloaded: z.boolean().optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).default('call'),
  from: e164.default('+19195551234'),
  to: e164.default('+19195550000'),
  callerName: z.string().optional(),
  /** Replaces the Contact header value of the generated INVITE. */
  contact: z.string().min(1).optional(),
  /** Replaces the generated INVITE headers entirely. */
  sipHeaders: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
  sipMediaSecurity: z.string().default('srtp'),
  /**
   * The webhooks the project is subscribed to, sent in this order for the call:
   * 'realtime' (realtime.call.incoming, rtc_…) and/or 'live' (live.transport.incoming, live_…).
   */
  webhooks: z
    .array(z.enum(surfaceValues))
    .min(1)
    .max(2)
    .refine((list) => new Set(list).size === list.length, 'each webhook type once')
    .default(['realtime']),
  /** Between starting one webhook type's delivery and the next. */
  webhookGapMs: z.int().min(0).max(60_000).default(0),
  /** 'bandwidth': REFER only to a sip: URI on the INVITE's Contact host, like Bandwidth; 'any': any sip:/sips:/tel:. */
  carrier: z.enum(['bandwidth', 'any']).default('bandwidth'),
  faults: faultsSchema,
  steps: z.array(stepInput.transform(toStep)).default([]),
  idleHangupMs: ms(600_000).default(1000),
  ringTimeoutMs: ms(600_000).default(30_000),
  socketTimeoutMs: ms(600_000).default(5000),
  toolTimeoutMs: ms(600_000).default(5000),
  greetingWaitMs: ms(600_000).default(2000),
  speechMs: ms(60_000).default(100),
  maxDurationMs: ms(3_600_000).default(600_000),
  expect: expectSchema.prefault({}),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioExpect = z.input<typeof expectSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Parses a scenario; the error names the field (`steps[2].dtmf: …`). */
export function parseScenario(input: unknown = {}): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`).join('; ');
    }
    return `${formatPath(issue.path) || '(scenario)'}: ${issue.message}`;
  });
  throw new SwitchboardError('SB_EMULATOR_SCENARIO', problems.join('; '), { problems });
}
