// A tool that calls one of the business's own HTTP endpoints. Arguments are checked
// against the tool's JSON schema before anything is sent; the request is signed the
// Standard Webhooks way; the (capped) response body becomes the function_call_output.
// Timeouts, non-2xx answers and bad arguments become outputs the agent can talk about.
// The operator's URL is fixed: redirects are not followed, only declared arguments are
// sent, and an argument never replaces a query parameter the URL already carries.
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';
import { Webhook } from 'standardwebhooks';
import type { ArgumentsCheck } from './json-schema.ts';
import { readCappedBody } from './read-capped-body.ts';
import { type Tool, type ToolContext, type ToolResult, toolError } from './tool.ts';

export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof httpMethods)[number];

export interface HttpToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  checkArguments: ArgumentsCheck;
  url: string;
  method: HttpMethod;
  /** Already interpolated from the environment. */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Said while the request runs, e.g. "One moment while I look that up." */
  filler: string | null;
  /** GPT-Live: a clip (PCM16 24 kHz mono) played while the request runs, instead of words. */
  fillerAudio?: Buffer | null;
  /** Longest wait for the filler to finish playing before the answer goes to the model. */
  fillerMaxMs: number;
  /** `whsec_…` secret; null sends the request unsigned. */
  signingSecret: string | null;
}

export interface HttpToolDeps {
  profile: string;
  fetch?: typeof fetch;
  /** Wall clock for the signature timestamp. */
  clock?: () => Date;
}

const retellLater = 'Tell the caller, briefly, that you could not get that information right now, and offer another way to help.';

export function httpTool(spec: HttpToolSpec, deps: HttpToolDeps): Tool {
  const doFetch = deps.fetch ?? fetch;
  const clock = deps.clock ?? (() => new Date());
  const signer = spec.signingSecret ? new Webhook(spec.signingSecret) : null;
  const definition: RealtimeFunctionTool & { name: string } = {
    type: 'function',
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
  };
  const hasBody = spec.method !== 'GET' && spec.method !== 'DELETE';
  const declared = declaredArguments(spec.parameters);
  const fixedInUrl = new Set(new URL(spec.url).searchParams.keys());

  /** The arguments that may be sent: declared in `parameters`, and (as a query) not fixed by the URL. */
  function sendable(args: Record<string, unknown>): { sent: Record<string, unknown>; ignored: string[] } {
    const sent: Record<string, unknown> = {};
    const ignored: string[] = [];
    for (const [key, value] of Object.entries(args)) {
      if (!declared.has(key) || (!hasBody && fixedInUrl.has(key))) ignored.push(key);
      else sent[key] = value;
    }
    return { sent, ignored };
  }

  function buildRequest(args: Record<string, unknown>, ctx: ToolContext): { url: string; init: RequestInit } {
    const url = new URL(spec.url);
    let body = '';
    if (hasBody) {
      body = JSON.stringify({
        tool: spec.name,
        arguments: args,
        call: {
          id: ctx.callId,
          toolCallId: ctx.toolCallId ?? null,
          caller: ctx.parties.caller,
          dialed: ctx.parties.dialed,
          profile: deps.profile,
        },
      });
    } else {
      for (const [key, value] of Object.entries(args))
        url.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
    const headers = new Headers(spec.headers);
    headers.set('user-agent', 'switchboard');
    headers.set('x-switchboard-call-id', ctx.callId);
    if (hasBody) headers.set('content-type', 'application/json');
    if (signer) {
      // The tool call id makes the webhook-id stable, so the receiver can de-duplicate.
      const id = `msg_${(ctx.toolCallId ?? `${ctx.callId}_${Date.now()}`).replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const at = clock();
      headers.set('webhook-id', id);
      headers.set('webhook-timestamp', String(Math.floor(at.getTime() / 1000)));
      headers.set('webhook-signature', signer.sign(id, at, body));
    }
    // A redirect would carry the secret headers and the signed body to wherever it points.
    return { url: url.toString(), init: { method: spec.method, headers, redirect: 'manual', ...(hasBody ? { body } : {}) } };
  }

  async function request(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    const { url, init } = buildRequest(args, ctx);
    const signal = AbortSignal.timeout(spec.timeoutMs);
    const log = { callId: ctx.callId, tool: spec.name, method: spec.method, host: new URL(url).host };
    try {
      const res = await doFetch(url, { ...init, signal });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined); // not needed: the agent hears only the status
        ctx.log.warn({ ...log, status: res.status }, 'http tool answered with an error');
        return toolError('http_error', `The system answered with status ${res.status}.`, retellLater, { status: res.status });
      }
      const body = await readCappedBody(res.body, spec.maxResponseBytes);
      ctx.log.info({ ...log, status: res.status, bytes: body.bytes, truncated: body.truncated }, 'http tool answered');
      return {
        output: {
          ok: true,
          status: res.status,
          body: parseBody(body.text, body.truncated, res.headers.get('content-type')),
          ...(body.truncated ? { truncated: true } : {}),
        },
        followUp: { kind: 'respond' },
      };
    } catch (err) {
      const timedOut = signal.aborted || (err as Error).name === 'TimeoutError';
      ctx.log.warn({ ...log, err: (err as Error).message, timedOut }, 'http tool failed');
      return timedOut
        ? toolError('timeout', `The system did not answer within ${spec.timeoutMs} ms.`, retellLater)
        : toolError('unreachable', 'The system could not be reached.', retellLater);
    }
  }

  return {
    definition,
    async run(args, ctx) {
      const checked = spec.checkArguments(args);
      if (!checked.ok) {
        ctx.log.info({ callId: ctx.callId, tool: spec.name, problem: checked.message }, 'http tool arguments refused');
        return toolError('invalid_arguments', checked.message, 'Ask the caller for the missing or corrected details, then try again.');
      }
      const { sent, ignored } = sendable(args);
      if (ignored.length > 0)
        ctx.log.info({ callId: ctx.callId, tool: spec.name, ignored }, 'http tool arguments ignored: not declared, or fixed in the url');
      // A clip plays only where the surface can play one (GPT-Live); else the words, if any.
      const clip = spec.fillerAudio && ctx.call.playAudio ? ctx.call.playAudio(spec.fillerAudio, spec.fillerMaxMs) : null;
      const filler = clip ?? (spec.filler ? ctx.call.say(`Say exactly: "${spec.filler}"`, spec.fillerMaxMs) : null);
      const result = await request(sent, ctx);
      // The answer waits for the filler: a second response cannot start while one plays.
      if (filler) await filler;
      return result;
    },
  };
}

function declaredArguments(parameters: Record<string, unknown>): ReadonlySet<string> {
  const properties = parameters.properties;
  return new Set(properties && typeof properties === 'object' ? Object.keys(properties) : []);
}

function parseBody(text: string, truncated: boolean, contentType: string | null): unknown {
  if (!truncated && contentType && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
