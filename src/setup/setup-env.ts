// The settings setup and doctor work from: the process environment over the .env file
// (as the server reads them: variables already set win), and an SDK client with deadlines.
import { resolve } from 'node:path';
import OpenAI from 'openai';
import type { Env } from '../config/config.ts';
import { type EnvValues, parseEnvText, readEnvText } from './env-file.ts';

export interface SetupEnv {
  /** What the server would see. */
  env: Env;
  /** The variables set outside the file (they win over it). */
  processEnv: Env;
  file: { path: string; text: string; values: EnvValues };
}

export function loadSetupEnv(processEnv: Env, cwd: string, envFile = '.env'): SetupEnv {
  const path = resolve(cwd, envFile);
  const text = readEnvText(path);
  const values = parseEnvText(text);
  const env: Record<string, string | undefined> = { ...values };
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined && value !== '') env[key] = value;
  return { env, processEnv, file: { path, text, values } };
}

export const defaultBaseUrl = 'https://api.openai.com/v1';
export const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** The webhook secret the server would use (OPENAI_SIGNING_SECRET is Bandwidth's name for it). */
export function webhookSecretOf(env: Env): string | undefined {
  return nonEmpty(env.OPENAI_WEBHOOK_SECRET) ?? nonEmpty(env.OPENAI_SIGNING_SECRET);
}

/**
 * Every request carries a deadline (`timeout`) and is made once: the SDK sends no
 * idempotency key, so a retried create could register a second endpoint. Everything comes
 * from `env`, never from the SDK's own reading of process.env.
 */
export function setupClient(env: Env, timeoutMs: number): OpenAI {
  return new OpenAI({
    apiKey: nonEmpty(env.OPENAI_API_KEY) ?? 'missing',
    baseURL: (nonEmpty(env.OPENAI_BASE_URL) ?? defaultBaseUrl).replace(/\/+$/, ''),
    organization: nonEmpty(env.OPENAI_ORG_ID) ?? null,
    project: nonEmpty(env.OPENAI_PROJECT_ID) ?? null,
    webhookSecret: null,
    timeout: timeoutMs,
    maxRetries: 0,
  });
}
