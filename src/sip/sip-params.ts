// `;name=value` parameters of SIP URIs and header values (RFC 3261 §25.1).
import { readQuotedString, splitTopLevel } from './split-top-level.ts';

/** Parameter names are lower-cased; a parameter without `=` (e.g. `lr`) maps to null. */
export type SipParams = Readonly<Record<string, string | null>>;

const PARAM_NAME = /^[A-Za-z0-9\-.!%*_+`'~[\]/:&$]+$/;

/**
 * Parses `a=1;b;c="x y"` (the text after the first `;`). Lenient: malformed
 * entries are skipped and the first occurrence of a name wins.
 */
export function parseParams(text: string): SipParams {
  // No prototype, so names such as `__proto__` or `constructor` are plain keys.
  const params: Record<string, string | null> = Object.create(null);
  for (const raw of splitTopLevel(text, ';')) {
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    if (!PARAM_NAME.test(name) || Object.hasOwn(params, name)) continue;
    params[name] = eq < 0 ? null : unquote(raw.slice(eq + 1).trim());
  }
  return params;
}

function unquote(value: string): string {
  const quoted = readQuotedString(value);
  return quoted !== null && quoted.end === value.length ? quoted.value : value;
}
