import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryThrowawayCert } from '../testing/throwaway-cert.ts';
import { type Emulator, startEmulator } from './emulator.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

const tls = tryThrowawayCert();

// The server's real path: the SDK's OpenAIRealtimeWS always dials wss:, so this needs the TLS mode.
describe.skipIf(!tls)('TLS mode with the SDK realtime client', () => {
  let emu: Emulator;
  let client: OpenAI;

  beforeAll(async () => {
    if (!tls) return;
    emu = await startEmulator({ apiKey, webhookSecret, logger: false, tls: { cert: tls.cert, key: tls.key }, playbackMs: 20 });
    const dispatcher = new Agent({ connect: { ca: tls.ca } });
    const fetchWithCa = ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch;
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0, fetch: fetchWithCa });
  });
  afterAll(async () => {
    await emu?.close();
    tls?.remove();
  });

  it('serves https REST and wss control to the SDK', async () => {
    expect(emu.baseURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
    const call = emu.createCall({ ringTimeoutMs: 60_000, greetingWaitMs: 60_000 });
    await client.realtime.calls.accept(call.id, { type: 'realtime', audio: { output: { voice: 'cedar' } } });
    const rt = new OpenAIRealtimeWS({ callID: call.id, options: { ca: tls?.ca } }, client);
    const types: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      rt.on('event', (event) => {
        types.push(event.type);
        if (event.type === 'session.created') rt.send({ type: 'response.create', response: { instructions: 'Say "hi"' } });
        if (event.type === 'response.done') resolve();
      });
      rt.on('error', reject);
    });
    await done;
    expect(types).toEqual([
      'session.created',
      'response.created',
      'output_audio_buffer.started',
      'response.output_audio_transcript.done',
      'output_audio_buffer.stopped',
      'response.done',
    ]);
    const closed = new Promise<number>((resolve) => rt.socket.on('close', (code) => resolve(code)));
    await client.realtime.calls.hangup(call.id);
    expect(await closed).toBe(1000);
    expect(call.record.transcript.map((l) => l.text)).toEqual(['hi']);
  });
});
