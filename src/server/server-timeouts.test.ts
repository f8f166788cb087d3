// Slow senders over real sockets: each connection that trickles its body is cut off.

import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { webhookPath } from '../inbound/webhook-route.ts';
import { FakeControlTransport } from '../testing/fake-control-transport.ts';
import { RecordingCallControl } from '../testing/recording-call-control.ts';
import { buildSwitchboard, type Switchboard } from './build-switchboard.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

let server: Switchboard | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.app.close();
  server = undefined;
});

async function listen(env: Record<string, string>): Promise<number> {
  const config = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: secret, REFER_TO: '+19195554321', ...env });
  server = await buildSwitchboard(config, {
    log: pino({ level: 'silent' }),
    store: null,
    control: new RecordingCallControl(),
    transport: new FakeControlTransport(),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  return (server.app.server.address() as AddressInfo).port;
}

/** Sends the headers of a 1000-byte webhook, then one byte every 50 ms; resolves with what came back once the server closes. */
function slowBody(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const at = Math.floor(Date.now() / 1000);
  socket.write(
    [
      `POST ${webhookPath} HTTP/1.1`,
      'host: 127.0.0.1',
      'content-type: application/json',
      'content-length: 1000',
      'webhook-id: msg_1',
      `webhook-timestamp: ${at}`,
      'webhook-signature: v1,x',
      '',
      '',
    ].join('\r\n'),
  );
  // Never idle for long: only a limit on the whole request can end this.
  const drip = setInterval(() => socket.write('{'), 50);
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer);
    });
  });
}

describe('HTTP server timeouts', () => {
  it('closes every connection that sends its body too slowly (HTTP_REQUEST_TIMEOUT_MS)', async () => {
    const port = await listen({ HTTP_REQUEST_TIMEOUT_MS: '500' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => slowBody(port)));
    for (const answer of answers) expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 408 ')).length).toBeGreaterThan(0);
    const open = await new Promise<number>((resolve, reject) =>
      server?.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );
    expect(open).toBe(0);
    // The server still answers a well-behaved client.
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(204);
  });

  it('closes an idle connection (HTTP_CONNECTION_TIMEOUT_MS)', async () => {
    const port = await listen({ HTTP_CONNECTION_TIMEOUT_MS: '1000', ACCEPT_DEADLINE_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '600000' });
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.on('close', resolve)); // nothing sent: closed by the server
    expect(socket.destroyed).toBe(true);
  });
});
