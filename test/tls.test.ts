import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tryThrowawayCert } from '../src/testing/throwaway-cert.ts';
import { type ServerProcess, startServerProcess, waitFor } from './support/server-process.ts';

const tls = tryThrowawayCert();
let server: ServerProcess | undefined;
afterAll(() => tls?.remove());
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe.skipIf(!tls)('an https base URL with a private CA', () => {
  it('works through NODE_EXTRA_CA_CERTS: REST over https, control socket over wss', async () => {
    server = await startServerProcess({ NODE_EXTRA_CA_CERTS: tls!.caPath }, { tls: { cert: tls!.cert, key: tls!.key } });
    expect(server.emulator.baseURL).toMatch(/^https:/);
    const call = await server.emulator.placeCall({
      steps: [{ say: 'a person please' }, { call: { name: 'transfer_call', arguments: {} } }],
    });
    const record = await call.ended;
    expect(record.accepts.map((a) => a.status)).toEqual([200]);
    expect(record.connectionCount).toBe(1);
    expect(record.refers.map((r) => r.status)).toEqual([200]);
  });

  it('without the CA, the accept fails and the webhook gets 502 (no silent plaintext fallback)', async () => {
    server = await startServerProcess({ ACCEPT_DEADLINE_MS: '300' }, { tls: { cert: tls!.cert, key: tls!.key } });
    const call = server.emulator.createCall({ steps: [] });
    expect((await server.emulator.deliverWebhook(call.id)).status).toBe(502);
    expect(server.emulator.call(call.id)?.accepts).toHaveLength(0);
    // The log line travels through a pipe: it may land just after the 502.
    await waitFor(() => (server!.output().includes('accept failed') ? true : undefined), 'the "accept failed" log line');
  });
});
