// The public base URL OpenAI reaches this server at, and the webhook URL under it.
import { webhookPath } from '../inbound/webhook-route.ts';

export interface PublicUrl {
  /** e.g. https://sb.example.com or https://example.com/switchboard (behind a path prefix). */
  baseUrl: string;
  /** `${baseUrl}/webhooks/openai/realtime/call/inbound` */
  webhookUrl: string;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Takes the base URL or the full webhook URL. OpenAI delivers to HTTPS only; plain http is
 * taken for loopback hosts, which only the local emulator can reach.
 */
export function parsePublicUrl(input: string): { ok: true; value: PublicUrl } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { ok: false, message: `"${input}" is not a URL: expected your public base URL, like https://switchboard.example.com` };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return {
      ok: false,
      message: `${url.protocol}// is not accepted: OpenAI delivers webhooks to https:// URLs only (a tunnel or a TLS reverse proxy gives you one)`,
    };
  }
  if (url.search || url.hash || url.username || url.password) {
    return { ok: false, message: 'expected a base URL without a query, a fragment or credentials' };
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(webhookPath)) path = path.slice(0, -webhookPath.length);
  const baseUrl = `${url.origin}${path}`;
  return { ok: true, value: { baseUrl, webhookUrl: `${baseUrl}${webhookPath}` } };
}

/** Same URL, whatever the spelling (host case, default port, trailing slash). */
export function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href.replace(/\/+$/, '') === new URL(b).href.replace(/\/+$/, '');
  } catch {
    return a === b;
  }
}
