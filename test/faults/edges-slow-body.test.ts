// Row "200 slow-body connections" against the real `node src/main.ts` process: every connection
// that trickles its body is cut off after HTTP_REQUEST_TIMEOUT_MS, and the server keeps serving.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookPath } from '../../src/inbound/webhook-route.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

let server: ServerProcess | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  server = undefined;
});

/** Headers of a 2000-byte webhook, then one byte every 100 ms; resolves with the answer once the server closes. */
function slowBody(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const at = Math.floor(Date.now() / 1000);
  socket.write(
    [
      `POST ${webhookPath} HTTP/1.1`,
      'host: 127.0.0.1',
      'content-type: application/json',
      'content-length: 2000',
      'webhook-id: msg_slow',
      `webhook-timestamp: ${at}`,
      'webhook-signature: v1,x',
      '',
      '',
    ].join('\r\n'),
  );
  const drip = setInterval(() => socket.write(' '), 100);
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) =>
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer);
    }),
  );
}

describe('slow senders against the server process', () => {
  it('closes all of 200 slow-body connections and keeps answering', async () => {
    server = await startServerProcess({ HTTP_REQUEST_TIMEOUT_MS: '1000' });
    const port = Number(new URL(server.base).port);
    const answers = await Promise.all(Array.from({ length: 200 }, () => slowBody(port)));
    // Each one closed by the server: with a 408, or without a word if it timed out before the headers were done.
    for (const answer of answers) expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect((await fetch(`${server.base}/health`)).status).toBe(204);
    expect(server.proc.exitCode).toBeNull();
  });
});
