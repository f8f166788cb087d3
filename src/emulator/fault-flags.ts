// `--fault KEY=VALUE` flags: the scenario's `faults`, applied to every call the emulator places.
import type { FaultsInput } from './scenario.ts';

export const faultFlagsHelp = `Fault flags (repeat --fault; each applies to every call, under what a scenario sets):
  --fault ACTION.status=S            every ACTION request answers HTTP S (4xx/5xx) and does nothing
  --fault ACTION.statuses=S1,S2      the 1st, 2nd … ACTION request answers S1, S2 …
  --fault ACTION.delay-ms=N          wait N ms, then act and answer
  --fault ACTION.answer-after-ms=N   act at once (accepted, referred …), answer N ms later
  --fault ACTION.never               never act, never answer: the request hangs
      ACTION is accept, reject, refer or hangup
  --fault socket.frame=[MS:]JSON     send this server event as written, MS after the first
                                     control socket connects (malformed on purpose, e.g.
                                     '2000:{"type":"response.done"}')
  --fault socket.raw=[MS:]TEXT       send a raw text frame
  --fault socket.drop=MS             drop the control socket (no close frame) after MS
`;

export class FaultFlagError extends Error {}

const actions = ['accept', 'reject', 'refer', 'hangup'] as const;
type Action = (typeof actions)[number];

function int(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isInteger(n) || n < 0)
    throw new FaultFlagError(`--fault ${flag}: expected a whole number`);
  return n;
}

/** `MS:rest` or `rest`. */
function timed(value: string): { afterMs: number; rest: string } {
  const m = /^(\d+):([\s\S]*)$/.exec(value);
  return m ? { afterMs: Number(m[1]), rest: m[2] ?? '' } : { afterMs: 0, rest: value };
}

/** Turns the flags into a scenario `faults` object (validated later with the scenario). */
export function parseFaultFlags(flags: readonly string[]): FaultsInput {
  const faults: Record<string, unknown> = {};
  const socket: Record<string, unknown>[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = eq < 0 ? flag : flag.slice(0, eq);
    const value = eq < 0 ? undefined : flag.slice(eq + 1);
    const [scope, name] = key.split('.', 2);
    if (scope === 'socket') {
      if (value === undefined) throw new FaultFlagError(`--fault ${flag}: needs a value`);
      if (name === 'drop') socket.push({ afterMs: int(value, flag), drop: true });
      else if (name === 'raw') socket.push({ afterMs: timed(value).afterMs, raw: timed(value).rest });
      else if (name === 'frame') {
        const { afterMs, rest } = timed(value);
        let frame: unknown;
        try {
          frame = JSON.parse(rest);
        } catch {
          throw new FaultFlagError(`--fault ${flag}: the frame must be a JSON object (use socket.raw for anything else)`);
        }
        if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
          throw new FaultFlagError(`--fault ${flag}: the frame must be a JSON object`);
        socket.push({ afterMs, frame });
      } else throw new FaultFlagError(`--fault ${flag}: unknown socket fault (frame, raw, drop)`);
      continue;
    }
    if (!actions.includes(scope as Action))
      throw new FaultFlagError(`--fault ${flag}: unknown fault (ACTION.… with ACTION accept, reject, refer, hangup; or socket.…)`);
    const action = (faults[scope as Action] ??= {}) as Record<string, unknown>;
    switch (name) {
      case 'status':
        action.status = int(value, flag);
        break;
      case 'statuses':
        action.statuses = (value ?? '').split(',').map((v) => int(v.trim(), flag));
        break;
      case 'delay-ms':
        action.delayMs = int(value, flag);
        break;
      case 'answer-after-ms':
        action.answerAfterMs = int(value, flag);
        break;
      case 'never':
        if (value !== undefined && value !== 'true') throw new FaultFlagError(`--fault ${flag}: never takes no value`);
        action.never = true;
        break;
      default:
        throw new FaultFlagError(`--fault ${flag}: unknown fault (status, statuses, delay-ms, answer-after-ms, never)`);
    }
  }
  if (socket.length > 0) faults.socket = socket;
  return faults as FaultsInput;
}

/** The scenario's own faults win, key by key, over the flags' (per action, field by field). */
export function withDefaultFaults(input: unknown, defaults: FaultsInput | undefined): unknown {
  if (!defaults || Object.keys(defaults).length === 0) return input;
  const scenario = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const own = typeof scenario.faults === 'object' && scenario.faults !== null ? (scenario.faults as Record<string, unknown>) : {};
  const merged: Record<string, unknown> = { ...defaults, ...own };
  for (const action of actions) {
    const d = (defaults as Record<string, unknown>)[action];
    const o = own[action];
    if (d && typeof d === 'object' && o && typeof o === 'object') merged[action] = { ...d, ...o };
  }
  return { ...scenario, faults: merged };
}
