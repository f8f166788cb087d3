// SDK errors in words a person setting up can act on: what failed, and what to change.
import OpenAI from 'openai';
import type { Env } from '../config/config.ts';
import { defaultBaseUrl, nonEmpty } from './setup-env.ts';

export interface Explained {
  message: string;
  fix: string;
}

export function explainApiError(err: unknown, env: Env, timeoutMs: number): Explained {
  const base = nonEmpty(env.OPENAI_BASE_URL) ?? defaultBaseUrl;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return {
      message: `no answer from ${base} within ${timeoutMs} ms`,
      fix: `check the network to ${new URL(base).host} (proxy, firewall) and try again`,
    };
  }
  if (err instanceof OpenAI.APIConnectionError) {
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    return { message: `cannot reach ${base}: ${cause}`, fix: `check OPENAI_BASE_URL and the network to ${new URL(base).host}` };
  }
  if (err instanceof OpenAI.AuthenticationError) {
    return {
      message: `OpenAI refused OPENAI_API_KEY (401${err.code ? ` ${err.code}` : ''})`,
      fix: 'set OPENAI_API_KEY in .env to a key of the project the calls go to (platform.openai.com → API keys)',
    };
  }
  if (err instanceof OpenAI.PermissionDeniedError) {
    return {
      message: `OpenAI refused the request (403${err.code ? ` ${err.code}` : ''}): ${err.message}`,
      fix: "use a key with write access to the project (webhook endpoints need it), and check that OPENAI_PROJECT_ID is that key's project",
    };
  }
  if (err instanceof OpenAI.APIError) {
    return {
      message: `OpenAI answered ${err.status ?? 'an error'}${err.code ? ` ${err.code}` : ''}: ${err.message}`,
      fix: 'see the message; run again once it is fixed',
    };
  }
  return { message: err instanceof Error ? err.message : String(err), fix: 'run again; if it persists, report it with this message' };
}
