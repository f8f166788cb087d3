// The least-work reference for the benchmark: the call flow and nothing else, written as a naive
// server would write it. No records, logs, metrics or retries; one HTTP/2 session for REST, one
// TLS WebSocket per call. bench/run.ts measures it beside Switchboard in the same run, and every
// compared figure is reported as Switchboard ÷ this. Same environment as src/main.ts gets.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type ClientHttp2Session, connect } from 'node:http2';
import { isIP } from 'node:net';
import { createSecureContext, connect as tlsConnect } from 'node:tls';
import { type ClientOptions, WebSocket } from 'ws';
import { webhookPath } from '../src/inbound/webhook-route.ts';
import { benchStatsPath, createBenchStats } from '../src/server/bench-stats.ts';

const env = (name: string) => process.env[name] ?? '';
const apiKey = env('OPENAI_API_KEY');
const secret = env('OPENAI_WEBHOOK_SECRET');
const secretKey = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
const base = new URL(env('OPENAI_BASE_URL') || 'https://api.openai.com/v1');
const wsBase = `${base.href.replace(/^http/, 'ws').replace(/\/$/, '')}/realtime?call_id=`;
const referTo = env('REFER_TO');
// One TLS context (the default store, NODE_EXTRA_CA_CERTS included) for the REST session and every
// control socket; no agent, so no TLS session cache: each control socket does a full handshake.
const secureContext = createSecureContext();
const acceptBody = JSON.stringify({
  type: 'realtime',
  model: 'gpt-realtime',
  instructions: 'You answer the phone for a small shop. If the caller asks for a person, call transfer_call.',
  tools: [
    {
      type: 'function',
      name: 'transfer_call',
      description: 'Transfer the caller to a person.',
      parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
    },
  ],
});
const greeting = JSON.stringify({ type: 'response.create', response: { instructions: 'Greet the caller.' } });

const sockets = new Set<WebSocket>();
const stats = createBenchStats({ liveCalls: () => sockets.size });

let session: ClientHttp2Session | null = null;
function h2(): ClientHttp2Session {
  if (!session || session.closed || session.destroyed) {
    // Nagle off, as undici (Switchboard's HTTP client) has it: a request written while the last one is
    // still unacknowledged must not wait for a delayed ACK.
    const tls = { host: base.hostname, port: Number(base.port || 443), ALPNProtocols: ['h2'], secureContext };
    const servername = isIP(base.hostname) ? {} : { servername: base.hostname };
    session = connect(base.origin, { createConnection: () => tlsConnect({ ...tls, ...servername }).setNoDelay(true) });
    session.on('error', () => {});
  }
  return session;
}

/** POST over the one HTTP/2 session; resolves with the status once the answer's headers arrive. */
function post(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = h2().request({
      ':method': 'POST',
      ':path': `${base.pathname.replace(/\/$/, '')}${path}`,
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    req.on('response', (headers) => resolve(Number(headers[':status'])));
    req.on('error', reject);
    req.resume();
    req.end(body);
  });
}

function signed(h: IncomingHttpHeaders, body: string): boolean {
  const id = h['webhook-id'];
  const ts = h['webhook-timestamp'];
  const sig = h['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = createHmac('sha256', secretKey).update(`${id}.${ts}.${body}`).digest();
  return sig.split(' ').some((s) => {
    const mac = Buffer.from(s.slice(3), 'base64');
    return s.startsWith('v1,') && mac.length === expected.length && timingSafeEqual(mac, expected);
  });
}

function openControlSocket(callId: string, contactHost: string): void {
  // ws hands its options on to tls.connect, secureContext included (its types leave it out).
  const ws = new WebSocket(wsBase + callId, { headers: { authorization: `Bearer ${apiKey}` }, secureContext } as ClientOptions);
  sockets.add(ws);
  ws.on('open', () => ws.send(greeting));
  ws.on('message', (data) => {
    const event = JSON.parse(data.toString());
    if (event.type === 'response.output_item.done' && event.item?.type === 'function_call' && event.item.name === 'transfer_call')
      post(`/realtime/calls/${callId}/refer`, JSON.stringify({ target_uri: `sip:${referTo}@${contactHost}` })).catch(() => {});
  });
  ws.on('error', () => {});
  ws.on('close', () => sockets.delete(ws));
}

async function onWebhook(headers: IncomingHttpHeaders, body: string): Promise<number> {
  if (!signed(headers, body)) return 400;
  const event = JSON.parse(body);
  if (event.type !== 'realtime.call.incoming') return 200;
  const callId: string = event.data.call_id;
  const contact = event.data.sip_headers?.find((h: { name: string }) => h.name.toLowerCase() === 'contact')?.value ?? '';
  const contactHost = /@([^;>]+)/.exec(contact)?.[1] ?? '';
  const status = await post(`/realtime/calls/${callId}/accept`, acceptBody);
  if (status !== 200) return 502;
  openControlSocket(callId, contactHost);
  return 200;
}

// keepAliveTimeout as Fastify's default (72 s): the webhook connections stay open between deliveries for both servers.
const server = createServer({ keepAliveTimeout: 72_000 }, (req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/ready') return void res.end('ok');
  if (req.method === 'GET' && url.startsWith(benchStatsPath)) {
    const q = new URL(url, 'http://x').searchParams;
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify(stats.read({ gc: q.get('gc') === '1', reset: q.get('reset') === '1' })));
  }
  if (req.method !== 'POST' || url !== webhookPath) {
    req.resume();
    res.statusCode = 404;
    return void res.end();
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    onWebhook(req.headers, Buffer.concat(chunks).toString('utf8'))
      .catch(() => 500)
      .then((status) => {
        res.statusCode = status;
        res.end();
      });
  });
});

h2(); // connected before the first call, as Switchboard warms its connection
server.listen(Number(env('LOCAL_PORT') || 8000), env('HOST') || '0.0.0.0');
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  session?.close();
  stats.stop();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
