import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpStatus, type ServerProcess, startServerProcess, waitFor } from './support/server-process.ts';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('SIGTERM', () => {
  it('stops taking calls, lets the live call finish, then exits 0', async () => {
    server = await startServerProcess({ DRAIN_TIMEOUT_MS: '10000' });
    const { proc, base, exited, output, emulator } = server;
    const call = await emulator.placeCall({ steps: [{ say: 'hello' }, { wait: 1200 }, { say: 'thanks, bye' }, { hangup: true }] });
    await waitFor(() => (emulator.call(call.id)?.connectionCount === 1 ? true : undefined), 'the control socket');

    proc.kill('SIGTERM');
    await waitFor(async () => ((await httpStatus(`${base}/ready`)) === 503 ? true : undefined), '/ready to answer 503');
    const late = emulator.createCall({ steps: [] });
    expect((await emulator.deliverWebhook(late.id)).status).toBe(503);
    expect(emulator.call(late.id)?.accepts).toHaveLength(0);

    const record = await call.ended;
    expect(record.endedBy).toBe('caller');
    const exit = await exited;
    expect(exit.code).toBe(0);
    expect(exit.at).toBeGreaterThanOrEqual(record.endedAt ?? Infinity);
    expect(output()).toContain('"msg":"draining"');
  });

  it('hangs up calls still live at the drain timeout, then exits 0', async () => {
    server = await startServerProcess({ DRAIN_TIMEOUT_MS: '300' });
    const { proc, exited, emulator } = server;
    const call = await emulator.placeCall({ steps: [{ say: 'a long story' }, { wait: 30_000 }] });
    await waitFor(() => (emulator.call(call.id)?.connectionCount === 1 ? true : undefined), 'the control socket');
    proc.kill('SIGTERM');
    const record = await call.ended;
    expect(record.endedBy).toBe('hangup');
    expect((await exited).code).toBe(0);
  });

  it('exits even when a client holds a connection open (a pre-opened load-balancer socket)', async () => {
    server = await startServerProcess({ DRAIN_TIMEOUT_MS: '1000' });
    const { proc, base, exited } = server;
    const url = new URL(base);
    const idle = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => idle.once('connect', resolve));
    const stream = await fetch(`${base}/health`, { headers: { connection: 'keep-alive' } });
    expect(stream.status).toBe(204);
    proc.kill('SIGTERM');
    expect((await exited).code).toBe(0);
    idle.destroy();
  });
});
