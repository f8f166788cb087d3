// The checks as the running server runs them (dashboard): its own settings, its store, its
// delivery log; the test delivery is seen arriving in this process.
import type OpenAI from 'openai';
import type { Config, Env } from '../config/config.ts';
import type { DeliveryLog } from '../inbound/delivery-log.ts';
import { previousSecretInForce } from '../inbound/webhook-secrets.ts';
import type { Store } from '../records/store.ts';
import { type CheckResult, type ReceiptSource, runChecks } from './checks.ts';
import { secretFingerprint } from './secret-hint.ts';

export interface ServerChecksDeps {
  config: Config;
  /** The environment the server started from (profile file, agent surface). */
  env: Env;
  cwd: string;
  client: OpenAI;
  store: Store | null;
  deliveries: DeliveryLog;
  receiptWaitMs?: number;
}

export function serverSecretFingerprints(config: Config): () => Promise<{ current: string; previous: string | null }> {
  return async () => {
    const previous = previousSecretInForce(config, Date.now());
    return { current: await secretFingerprint(config.webhookSecret), previous: previous ? await secretFingerprint(previous) : null };
  };
}

export function serverChecks(deps: ServerChecksDeps): () => Promise<CheckResult[]> {
  const { config } = deps;
  const secrets = serverSecretFingerprints(config);
  const receipts: ReceiptSource = {
    describe: 'this server',
    mark: async () => ({ seq: deps.deliveries.lastSeq, secrets: await secrets() }),
    since: async (seq) => deps.deliveries.since(seq),
  };
  // What the server runs with wins over what the environment says now.
  const env: Env = {
    ...deps.env,
    OPENAI_API_KEY: config.openaiApiKey,
    OPENAI_BASE_URL: config.openaiBaseUrl,
    OPENAI_WEBHOOK_SECRET: config.webhookSecret,
    PUBLIC_URL: config.publicUrl ?? undefined,
    OPENAI_PROJECT_ID: config.projectId ?? undefined,
  };
  const store = deps.store;
  return () =>
    runChecks({
      env,
      cwd: deps.cwd,
      client: deps.client,
      receipts,
      settingsProblems: () => [], // the server started: its settings passed
      probeStore: async () => {
        if (!store) throw new Error('this server runs without a records store');
        await store.purge(new Date(0)); // a write that matches nothing
        return store.kind === 'postgres' ? 'the PostgreSQL store' : 'the SQLite store';
      },
      ...(deps.receiptWaitMs !== undefined ? { receiptWaitMs: deps.receiptWaitMs } : {}),
    });
}
