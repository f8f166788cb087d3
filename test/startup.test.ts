import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createOpenAIConnection } from '../src/openai/openai-client.ts';

const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
});

describe('startup key check', () => {
  it('tells a refused API key from a good one', async () => {
    emulator = await startEmulator({ apiKey: 'sk-right', webhookSecret, logger: false });
    const good = createOpenAIConnection({ apiKey: 'sk-right', baseURL: emulator.baseURL, webhookSecret });
    const bad = createOpenAIConnection({ apiKey: 'sk-wrong', baseURL: emulator.baseURL, webhookSecret });
    expect(await good.checkKey()).toBe('ok');
    expect(await bad.checkKey()).toBe('refused');
    await Promise.all([good.close(), bad.close()]);
  });

  it('does not fail when the API cannot be reached', async () => {
    const conn = createOpenAIConnection({ apiKey: 'sk', baseURL: 'http://127.0.0.1:9/v1', webhookSecret });
    expect(await conn.checkKey()).toBe('unknown');
    await conn.close();
  });
});
