import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import { type Env, loadConfig } from './config.ts';

const base: Env = { OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: 'whsec_abc', REFER_TO: '+19195554321' };

function problems(env: Env): string[] {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (err) {
    if (!isSwitchboardError(err, 'SB_CONFIG_INVALID')) throw err;
    return err.fields.problems as string[];
  }
}

describe('set-up settings', () => {
  it('reads PUBLIC_URL (no trailing slash), OPENAI_PROJECT_ID and the previous secret with its expiry', () => {
    const config = loadConfig({
      ...base,
      PUBLIC_URL: 'https://sb.example.com/',
      OPENAI_PROJECT_ID: 'proj_abc123',
      OPENAI_WEBHOOK_SECRET_PREVIOUS: 'whsec_old',
      OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: '2026-12-02T12:00:00.000Z',
    });
    expect(config.publicUrl).toBe('https://sb.example.com');
    expect(config.projectId).toBe('proj_abc123');
    expect(config.previousWebhookSecret).toEqual({ secret: 'whsec_old', untilMs: Date.parse('2026-12-02T12:00:00.000Z') });
  });

  it('defaults: none of them', () => {
    const config = loadConfig(base);
    expect([config.publicUrl, config.projectId, config.previousWebhookSecret]).toEqual([null, null, null]);
  });

  it('names each wrong one', () => {
    expect(problems({ PUBLIC_URL: 'sb.example.com' })[0]).toMatch(/^PUBLIC_URL: expected the public base URL/);
    expect(problems({ PUBLIC_URL: 'https://sb.example.com/?x=1' })[0]).toMatch(/^PUBLIC_URL: expected a base URL without a query/);
    expect(problems({ OPENAI_PROJECT_ID: 'abc' })[0]).toMatch(/^OPENAI_PROJECT_ID: expected an OpenAI project id/);
    expect(problems({ OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: 'tomorrow' })[0]).toMatch(
      /^OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: expected an ISO 8601 time/,
    );
  });
});
