// Test support (not product code): a minimal Switchboard-like server the emulator's own tests drive.
// It verifies webhooks with the SDK, accepts on its surface (Realtime or Live), greets, runs
// transfer_call / end_call, and reconnects after drops.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import { SidebandWS } from 'openai/resources/live/sideband/ws';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import { WebSocket } from 'ws';
import { contactHostPort, formatHostPort } from '../../src/emulator/refer-target.ts';

export interface TestAgentOptions {
  /** The emulator's baseURL; a function when it is known only later (CLI tests). */
  baseURL: string | (() => string);
  apiKey: string;
  webhookSecret: string;
  transferTo?: string;
  /** The first webhooks are answered with these statuses (before any verification). */
  webhookStatuses?: number[];
  acceptBody?: CallAcceptParams;
  greet?: boolean;
  /** Never answer function calls. */
  ignoreTools?: boolean;
  /** The surface it accepts on; a webhook of the other kind for the same SIP call is answered 200 only. Default realtime. */
  surface?: 'realtime' | 'live';
  liveAcceptBody?: SessionAcceptParams;
}

export interface TestAgent {
  url: string;
  /** Every verified webhook; callId is the rtc_… or live_… id it carried. */
  verified: { webhookId: string; callId: string }[];
  refused: string[];
  errors: string[];
  close(): Promise<void>;
}

export const defaultAcceptBody: CallAcceptParams = {
  type: 'realtime',
  model: 'gpt-realtime',
  instructions: 'You are a helpful phone agent.',
  audio: {
    input: { transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'semantic_vad', eagerness: 'auto' } },
    output: { voice: 'marin' },
  },
  tools: [
    { type: 'function', name: 'transfer_call', description: 'Transfer to a person', parameters: { type: 'object', properties: {} } },
    { type: 'function', name: 'end_call', description: 'End the call', parameters: { type: 'object', properties: {} } },
  ],
};

export const defaultLiveAcceptBody: SessionAcceptParams = {
  session: {
    type: 'live',
    model: 'gpt-live-1',
    instructions: 'You are a helpful phone agent. Hand transfers and hang-ups to the backend.',
    audio: { output: { voice: 'marin' } },
    delegation: {
      type: 'responses',
      responses: {
        model: 'gpt-5.2',
        instructions: 'Call transfer_call when the caller wants a person, end_call when they are done.',
        tools: [
          { type: 'function', name: 'transfer_call', description: 'Transfer to a person', parameters: { type: 'object', properties: {} } },
          { type: 'function', name: 'end_call', description: 'End the call', parameters: { type: 'object', properties: {} } },
        ],
      },
    },
  },
};

/** Call-ID plus From tag: the INVITE's identity, the same in both webhooks of one SIP call. */
function inviteKey(headers: readonly { name: string; value: string }[]): string {
  const find = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
  return `${find('call-id')}|${/;\s*tag=([^;>\s]+)/i.exec(find('from'))?.[1] ?? ''}`;
}

export async function startTestAgent(opts: TestAgentOptions): Promise<TestAgent> {
  const baseURL = (): string => (typeof opts.baseURL === 'function' ? opts.baseURL() : opts.baseURL);
  let cached: { url: string; client: OpenAI } | undefined;
  const sdk = (): OpenAI => {
    if (cached?.url !== baseURL())
      cached = {
        url: baseURL(),
        client: new OpenAI({ apiKey: opts.apiKey, baseURL: baseURL(), webhookSecret: opts.webhookSecret, maxRetries: 0 }),
      };
    return cached.client;
  };
  const seenWebhooks = new Set<string>();
  const seenCalls = new Set<string>();
  const statuses = [...(opts.webhookStatuses ?? [])];
  const sockets = new Set<WebSocket>();
  const sidebands = new Set<SidebandWS>();
  const surface = opts.surface ?? 'realtime';
  const seenInvites = new Set<string>();
  const agent: TestAgent = { url: '', verified: [], refused: [], errors: [], close: async () => {} };
  let closing = false;

  const connect = (callId: string, sipHeaders: RealtimeCallIncomingWebhookEvent.Data.SipHeader[], greet: boolean): void => {
    const wsUrl = `${baseURL().replace(/^http/, 'ws')}/realtime?call_id=${callId}`;
    const ws = new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${opts.apiKey}` } });
    sockets.add(ws);
    const handled = new Set<string>();
    let hangupAfter: string | undefined;
    const send = (event: object): void => ws.send(JSON.stringify(event));
    ws.on('open', () => {
      if (greet) send({ type: 'response.create', response: { instructions: 'Greet the caller: "Hello! Thanks for calling."' } });
    });
    ws.on('message', async (data) => {
      const event = JSON.parse(String(data)) as {
        type: string;
        item?: { type: string; call_id?: string; name?: string };
        response?: { id?: string };
      };
      if (event.type === 'error') agent.errors.push(JSON.stringify(event));
      if (event.type === 'response.created' && hangupAfter === 'next') hangupAfter = event.response?.id;
      if (event.type === 'response.done' && hangupAfter && event.response?.id === hangupAfter) {
        await sdk()
          .realtime.calls.hangup(callId)
          .catch((err: unknown) => agent.errors.push(String(err)));
      }
      if (event.type !== 'response.output_item.done' || event.item?.type !== 'function_call') return;
      const { call_id: fnCallId, name } = event.item;
      if (!fnCallId || handled.has(fnCallId) || opts.ignoreTools) return;
      handled.add(fnCallId);
      let output: object = { ok: true };
      if (name === 'transfer_call') {
        const contact = contactHostPort(sipHeaders);
        const target = `sip:${opts.transferTo ?? '+19195554321'}@${contact ? formatHostPort(contact) : 'invalid'};transport=tls`;
        try {
          await sdk().realtime.calls.refer(callId, { target_uri: target });
        } catch (err) {
          output = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }
      send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: fnCallId, output: JSON.stringify(output) } });
      if (name === 'end_call') {
        hangupAfter = 'next';
        send({ type: 'response.create', response: { instructions: 'Say "Goodbye!"' } });
      } else {
        send({ type: 'response.create' });
      }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      sockets.delete(ws);
      // A drop (no close frame) while the call lives: reconnect, like the real server.
      if (code === 1006 && !closing) setTimeout(() => connect(callId, sipHeaders, false), 20);
    });
  };

  const transferTarget = (sipHeaders: readonly { name: string; value: string }[]): string => {
    const contact = contactHostPort(sipHeaders as RealtimeCallIncomingWebhookEvent.Data.SipHeader[]);
    return `sip:${opts.transferTo ?? '+19195554321'}@${contact ? formatHostPort(contact) : 'invalid'};transport=tls`;
  };

  /** The Live sideband through the SDK: greets through the backend, answers delegated function calls. */
  const attach = (sessionId: string, sipHeaders: readonly { name: string; value: string }[], greet: boolean): void => {
    const sb = new SidebandWS(
      sdk(),
      { session_id: sessionId },
      { reconnect: { maxRetries: 5, initialDelay: 20, maxDelay: 100, onReconnecting: () => {} } },
    );
    sidebands.add(sb);
    const handled = new Set<string>();
    let hangupAfter: string | undefined;
    const say = (text: string): void => {
      sb.send({ type: 'response.item.create', item: { type: 'message', role: 'developer', content: text } });
      sb.send({ type: 'response.create' });
    };
    sb.socket.on('open', () => {
      if (greet) say('Greet the caller: "Hello! Thanks for calling."');
      greet = false;
    });
    sb.on('error', (err) => agent.errors.push(String(err.error ? JSON.stringify(err.error) : err.message)));
    sb.on('close', () => sidebands.delete(sb));
    sb.on('response.event', async (event) => {
      const inner = event.event as { type?: string; response?: { id?: string }; item?: { type?: string; call_id?: string; name?: string } };
      if (inner.type === 'response.created' && hangupAfter === 'next') hangupAfter = inner.response?.id;
      if (inner.type === 'response.completed' && hangupAfter && inner.response?.id === hangupAfter) {
        setTimeout(
          () =>
            void sdk()
              .live.sessions.hangup(sessionId)
              .catch((err: unknown) => agent.errors.push(String(err))),
          50,
        );
      }
      if (inner.type !== 'response.output_item.done' || inner.item?.type !== 'function_call') return;
      const { call_id: fnCallId, name } = inner.item;
      if (!fnCallId || handled.has(fnCallId) || opts.ignoreTools) return;
      handled.add(fnCallId);
      let output: object = { ok: true };
      if (name === 'transfer_call') {
        try {
          await sdk().live.sessions.refer(sessionId, { target_uri: transferTarget(sipHeaders) });
        } catch (err) {
          output = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }
      sb.send({ type: 'response.item.create', item: { type: 'function_call_output', call_id: fnCallId, output: JSON.stringify(output) } });
      if (name === 'end_call') {
        hangupAfter = 'next';
        say('Say "Goodbye!"');
      } else {
        sb.send({ type: 'response.create' });
      }
    });
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const forced = statuses.shift();
    if (forced !== undefined) {
      res.writeHead(forced).end();
      return;
    }
    let event: Awaited<ReturnType<OpenAI['webhooks']['unwrap']>>;
    try {
      event = await sdk().webhooks.unwrap(raw, req.headers as Record<string, string>);
      if (event.type !== 'realtime.call.incoming' && event.type !== 'live.transport.incoming') throw new Error(`unexpected ${event.type}`);
    } catch (err) {
      agent.refused.push(err instanceof Error ? err.message : String(err));
      res.writeHead(400).end();
      return;
    }
    const webhookId = String(req.headers['webhook-id']);
    const callId = event.type === 'live.transport.incoming' ? event.data.session_id : event.data.call_id;
    agent.verified.push({ webhookId, callId });
    const invite = inviteKey(event.data.sip_headers);
    const mine = (event.type === 'live.transport.incoming') === (surface === 'live');
    // The other surface's webhook for a call, or a call already taken: 2xx, no accept.
    if (!mine || seenWebhooks.has(webhookId) || seenCalls.has(callId) || seenInvites.has(invite)) {
      res.writeHead(200).end();
      return;
    }
    seenWebhooks.add(webhookId);
    seenCalls.add(callId);
    seenInvites.add(invite);
    if (event.type === 'live.transport.incoming') {
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          await sdk().live.sessions.accept(callId, opts.liveAcceptBody ?? defaultLiveAcceptBody);
          attach(callId, event.data.sip_headers, opts.greet ?? true);
          break;
        } catch (err) {
          if (!(err instanceof OpenAI.InternalServerError)) break;
        }
      }
      res.writeHead(200).end();
      return;
    }
    // Accept first, answer the webhook after (OpenAI connects the call after both).
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await sdk().realtime.calls.accept(callId, opts.acceptBody ?? defaultAcceptBody);
        connect(callId, event.data.sip_headers, opts.greet ?? true);
        break;
      } catch (err) {
        if (!(err instanceof OpenAI.InternalServerError)) break;
      }
    }
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/openai/realtime/call/inbound`;
  agent.close = async () => {
    closing = true;
    for (const ws of sockets) ws.terminate();
    for (const sb of sidebands) sb.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return agent;
}
