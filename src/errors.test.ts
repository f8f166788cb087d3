// The registry holds only codes the code uses: one that nothing sends any more is removed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, wireErrors } from './errors.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && path !== join('src', 'errors.ts') ? [path] : [];
  });
}

describe('error registry', () => {
  const code = sources('src')
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');

  it('every code in it is used outside it', () => {
    const unused = [...Object.keys(wireErrors), ...Object.keys(errorCodes)].filter((c) => !code.includes(`'${c}'`));
    expect(unused).toEqual([]);
  });
});
