import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import { type Env, loadConfig } from './config.ts';

const minimal: Env = { OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==', REFER_TO: '+19195554321' };
const eventsSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function problems(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (isSwitchboardError(err, 'SB_CONFIG_INVALID')) return err.fields.problems as string[];
    throw err;
  }
  return [];
}

describe('loadConfig: records, API, call events', () => {
  it('defaults to SQLite under ./data, 90 days, the API and call events off, 1 s batches', () => {
    expect(loadConfig(minimal)).toMatchObject({
      databaseUrl: null,
      dataDir: './data',
      retentionDays: 90,
      apiToken: null,
      callEventsUrl: null,
      callEventsSecret: null,
      callEventsMaxAttempts: 20,
      callEventsTimeoutMs: 10_000,
      storeBatchMs: 1_000,
    });
  });

  it('takes every setting', () => {
    const config = loadConfig({
      ...minimal,
      DATABASE_URL: 'postgres://sb:pw@db:5432/switchboard',
      DATA_DIR: '/var/lib/switchboard',
      RETENTION_DAYS: '0',
      API_TOKEN: 'a'.repeat(32),
      CALL_EVENTS_URL: 'https://crm.example.com/hooks/calls',
      CALL_EVENTS_SECRET: eventsSecret,
      CALL_EVENTS_MAX_ATTEMPTS: '5',
      STORE_BATCH_MS: '250',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://sb:pw@db:5432/switchboard',
      dataDir: '/var/lib/switchboard',
      retentionDays: 0,
      apiToken: 'a'.repeat(32),
      callEventsUrl: 'https://crm.example.com/hooks/calls',
      callEventsSecret: eventsSecret,
      callEventsMaxAttempts: 5,
      storeBatchMs: 250,
    });
  });

  it('names each wrong variable, without echoing secrets', () => {
    const found = problems({
      ...minimal,
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      RETENTION_DAYS: 'forever',
      API_TOKEN: 'tok-xyz',
      CALL_EVENTS_URL: 'ftp://x',
      CALL_EVENTS_SECRET: 'whsec_tooshort',
      STORE_BATCH_MS: '0',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL: expected a PostgreSQL URL/),
        expect.stringMatching(/^RETENTION_DAYS: expected a number of days/),
        expect.stringMatching(/^API_TOKEN: too short/),
        expect.stringMatching(/^CALL_EVENTS_URL: expected an http\(s\) URL/),
        expect.stringMatching(/^CALL_EVENTS_SECRET: expected a Standard Webhooks secret/),
        expect.stringMatching(/^STORE_BATCH_MS: must be at least 10/),
      ]),
    );
    expect(found).toHaveLength(6);
    expect(found.join('\n')).not.toMatch(/hunter2|tok-xyz|whsec_tooshort/);
  });

  it('needs CALL_EVENTS_SECRET when CALL_EVENTS_URL is set', () => {
    expect(problems({ ...minimal, CALL_EVENTS_URL: 'https://crm.example.com/hooks' })).toEqual([
      'CALL_EVENTS_SECRET: required when CALL_EVENTS_URL is set: the secret receivers verify the events with (whsec_…)',
    ]);
  });
});
