import { describe, expect, it } from 'vitest';
import { interpolateString, interpolateTree } from './interpolate.ts';
import type { Problem } from './problem.ts';

describe('${VAR} interpolation', () => {
  const env = { TOKEN: 's3cret', PORT: '5000', EMPTY: '' };

  it('replaces references, applies defaults, keeps $${ literal', () => {
    expect(interpolateString('Bearer ${TOKEN}', env)).toEqual({ value: 'Bearer s3cret', problems: [] });
    expect(interpolateString('${MISSING:-fallback} ${EMPTY:-x}', env).value).toBe('fallback x');
    expect(interpolateString('cost: $${PRICE}', env).value).toBe('cost: ${PRICE}');
  });

  it('reports missing variables and malformed references without printing values', () => {
    expect(interpolateString('${NOPE}', env).problems).toEqual(['environment variable NOPE is not set']);
    expect(interpolateString('${1BAD}', env).problems).toEqual([
      '"${1BAD}" is not a variable reference (expected ${NAME} or ${NAME:-default})',
    ]);
    expect(interpolateString('${TOKEN', env).problems).toEqual(['"${" without a closing "}"']);
  });

  it('walks values, not keys, and reports the path', () => {
    const problems: Problem[] = [];
    const out = interpolateTree({ a: { '${TOKEN}': '${TOKEN}', list: ['${PORT}', '${GONE}'] }, n: 3 }, env, problems);
    expect(out).toEqual({ a: { '${TOKEN}': 's3cret', list: ['5000', ''] }, n: 3 });
    expect(problems).toEqual([{ path: ['a', 'list', 1], message: 'environment variable GONE is not set', severity: 'error' }]);
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });
});
