import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('SQLite store close', () => {
  it('keeps the process alive until it has closed, even when nothing else does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-close-'));
    try {
      const store = new URL('./sqlite-store.ts', import.meta.url).href;
      const script = `const { openSqliteStore } = await import(${JSON.stringify(store)});
const store = await openSqliteStore(${JSON.stringify(join(dir, 'switchboard.db'))});
await store.close();
console.log('closed');`;
      // A process whose last work is the close: it must finish it (exit 13 is "unsettled top-level await").
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
      expect(stdout.trim()).toBe('closed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
