// The local stack (real server + emulator over loopback) with a records store and the operator API on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/config.ts';
import { openSqliteStore } from '../../src/records/sqlite-store.ts';
import type { Store } from '../../src/records/store.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../src/testing/local-stack.ts';

export const apiToken = 'e2e-token-5f1d0c9a7b3e4d2f';

export interface RecordsStack extends LocalStack {
  store: Store;
  dir: string;
  /** fetch against the server with the API token. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** `dir` reuses a data directory (a restart); otherwise a fresh temp one. */
export async function startRecordsStack(opts: LocalStackOptions & { env?: Env; dir?: string } = {}): Promise<RecordsStack> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  const store = await openSqliteStore(join(dir, 'switchboard.db'));
  const stack = await startLocalStack({
    ...opts,
    env: { API_TOKEN: apiToken, STORE_BATCH_MS: '50', DRAIN_TIMEOUT_MS: '1000', ...opts.env },
    server: { store, ...opts.server },
  });
  return {
    ...stack,
    store,
    dir,
    api: (path, init = {}) =>
      fetch(`${stack.serverUrl}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}`, ...init.headers } }),
    async close() {
      await stack.close();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads a Server-Sent Events response until it ends. */
export async function readSse(res: Response): Promise<{ id?: string; event: string; data: Record<string, any> }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 2);
      return { ...(fields.id ? { id: fields.id } : {}), event: fields.event ?? 'message', data: JSON.parse(fields.data ?? '{}') };
    });
}
