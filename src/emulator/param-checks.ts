// Request-parameter checks that fail the way OpenAI's API does (first problem wins).
import { type ApiFailure, apiFailure, invalidType, invalidValue, missingParameter, unknownParameter } from './errors.ts';

export class ParamError extends Error {
  readonly failure: ApiFailure;

  constructor(failure: ApiFailure) {
    super(failure.body.error.message);
    this.name = 'ParamError';
    this.failure = failure;
  }
}

export function fail(failure: ApiFailure): never {
  throw new ParamError(failure);
}

/** `prefix.key`, or `key` at the top level. */
export const at = (prefix: string, key: string | number): string =>
  typeof key === 'number' ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;

/**
 * The key names of T as a set, checked by tsc in both directions: a name T lacks
 * is an error, and so is a name of T left out (so SDK upgrades surface here).
 */
export function exhaustiveKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> }),
  ): ReadonlySet<string> => new Set<string>(keys);
}

/** Every member of a string-literal union, checked by tsc in both directions. */
export function exhaustiveValues<U extends string>() {
  return <const V extends readonly U[]>(
    values: V & ([Exclude<U, V[number]>] extends [never] ? unknown : { missingValues: Exclude<U, V[number]> }),
  ): readonly string[] => values;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, param: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(invalidType(param, 'an object', value));
  return value;
}

export function rejectUnknownKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) fail(unknownParameter(at(prefix, key)));
  }
}

export function requireKey(obj: Record<string, unknown>, key: string, prefix: string): unknown {
  const value = obj[key];
  if (value === undefined) fail(missingParameter(at(prefix, key)));
  return value;
}

export function expectString(value: unknown, param: string, opts: { maxLength?: number; pattern?: RegExp } = {}): string {
  if (typeof value !== 'string') fail(invalidType(param, 'a string', value));
  if (opts.maxLength !== undefined && value.length > opts.maxLength) {
    fail(
      apiFailure(
        400,
        `Invalid '${param}': string too long. Expected a string with maximum length ${opts.maxLength}, but got a string with length ${value.length} instead.`,
        { param, code: 'string_above_max_length' },
      ),
    );
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    fail(
      apiFailure(
        400,
        `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${opts.pattern.source}'.`,
        { param, code: 'invalid_value' },
      ),
    );
  }
  return value;
}

export function expectEnum(value: unknown, param: string, allowed: readonly string[]): string {
  if (typeof value !== 'string') fail(invalidType(param, 'a string', value));
  if (!allowed.includes(value)) fail(invalidValue(param, value, allowed));
  return value;
}

export function expectBoolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') fail(invalidType(param, 'a boolean', value));
  return value;
}

function checkRange(value: number, param: string, kind: 'integer' | 'decimal', min?: number, max?: number): void {
  if (min !== undefined && value < min) {
    fail(
      apiFailure(400, `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`, {
        param,
        code: `${kind}_below_min_value`,
      }),
    );
  }
  if (max !== undefined && value > max) {
    fail(
      apiFailure(400, `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`, {
        param,
        code: `${kind}_above_max_value`,
      }),
    );
  }
}

export function expectInteger(value: unknown, param: string, opts: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(invalidType(param, 'an integer', value));
  checkRange(value, param, 'integer', opts.min, opts.max);
  return value;
}

export function expectNumber(value: unknown, param: string, opts: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(invalidType(param, 'a number', value));
  checkRange(value, param, 'decimal', opts.min, opts.max);
  return value;
}

export function expectArray(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) fail(invalidType(param, 'an array', value));
  return value;
}

export function expectStringArray(value: unknown, param: string): string[] {
  return expectArray(value, param).map((item, i) => expectString(item, at(param, i)));
}

/** Runs checks; a ParamError becomes a failure result, anything else propagates. */
export function runChecks<T>(check: () => T): { ok: true; value: T } | { ok: false; failure: ApiFailure } {
  try {
    return { ok: true, value: check() };
  } catch (err) {
    if (err instanceof ParamError) return { ok: false, failure: err.failure };
    throw err;
  }
}
