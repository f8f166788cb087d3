// The variables a call's instructions and greeting may use.
import { type CallParties, headerValues, type SipHeader } from '../sip/index.ts';
import type { LocalClock } from '../time/local-clock.ts';
import type { TemplateLookup } from './template.ts';

export const callVariableNames = ['caller', 'dialed', 'callId', 'business', 'profile', 'date', 'time', 'weekday', 'timeZone'] as const;

const known = new Set<string>(callVariableNames);

/** `sip.<Header>` is known only for headers the profile names (lower-cased in `sipHeaders`). */
export function isCallVariable(name: string, sipHeaders: ReadonlySet<string>): boolean {
  if (name.startsWith('sip.')) return sipHeaders.has(name.slice(4).toLowerCase());
  return known.has(name);
}

export interface CallVariableInput {
  callId: string;
  parties: CallParties;
  sipHeaders: readonly SipHeader[];
  business: string;
  profile: string;
  clock: LocalClock;
  at: number;
}

const maxHeaderValueChars = 200;

// Controls (C0, C1), invisible format characters (bidi overrides, zero-width) and line separators.
const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;
// Double quotes of every kind and backticks: what delimits text in a prompt. The apostrophe stays (O'Brien).
const quotes = /["`\u00ab\u00bb\u201c-\u201f\u2033\u2036\u275d\u275e\u301d-\u301f\uff02]+/gu;

/** Header values are untrusted and go into a prompt: one line, printable, no quotes, short. */
export function cleanHeaderValue(value: string): string {
  const flat = value.replace(unprintable, ' ').replace(quotes, '').replace(/\s+/g, ' ').trim();
  return flat.length > maxHeaderValueChars ? flat.slice(0, maxHeaderValueChars) : flat;
}

/** The variables every template of a call shares: who, where, which profile. */
export function callIdentity(input: Pick<CallVariableInput, 'callId' | 'parties' | 'business' | 'profile'>): TemplateLookup {
  return (name) => {
    switch (name) {
      case 'caller':
        return input.parties.caller;
      case 'dialed':
        return input.parties.dialed;
      case 'callId':
        return input.callId;
      case 'business':
        return input.business;
      case 'profile':
        return input.profile;
      default:
        return null;
    }
  };
}

export function callVariables(input: CallVariableInput): TemplateLookup {
  const identity = callIdentity(input);
  return (name) => {
    switch (name) {
      case 'date':
        return input.clock.date(input.at);
      case 'time':
        return input.clock.time(input.at);
      case 'weekday':
        return input.clock.weekday(input.at);
      case 'timeZone':
        return input.clock.timeZone;
      default: {
        if (!name.startsWith('sip.')) return identity(name);
        const value = headerValues(input.sipHeaders, name.slice(4))[0];
        return value === undefined ? null : cleanHeaderValue(value);
      }
    }
  };
}
