import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/index.ts';
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

describe('startup model warnings (the real entry point)', () => {
  it('warns about a deprecated model and about one the models API does not list; a current Live setup is quiet', async () => {
    const { startServerProcess, waitFor } = await import('./support/server-process.ts');
    const old = await startServerProcess({ OPENAI_MODEL: 'gpt-realtime' });
    try {
      const warning = await waitFor(
        () =>
          old
            .output()
            .split('\n')
            .find((l) => l.includes('model deprecated, shut down or unavailable')),
        'the warning',
      );
      expect(JSON.parse(warning)).toMatchObject({
        level: 40,
        status: 'deprecated',
        model: 'gpt-realtime',
        detail: expect.stringContaining('shuts down on 2027-01-20'),
      });
    } finally {
      await old.stop();
    }
    const live = await startServerProcess({ AGENT_SURFACE: 'live', DELEGATION_MODEL: 'gpt-9-imaginary' });
    try {
      // The emulator's models list has gpt-live-1 but no gpt-9-imaginary.
      const warnings = await waitFor(() => {
        const lines = live
          .output()
          .split('\n')
          .filter((l) => l.includes('model deprecated, shut down or unavailable'));
        return lines.length > 0 ? lines.map((l) => JSON.parse(l) as Record<string, unknown>) : undefined;
      }, 'the warning');
      expect(warnings).toEqual([
        expect.objectContaining({ model: 'gpt-9-imaginary', level: 40, detail: expect.stringContaining('not in the models API') }),
      ]);
    } finally {
      await live.stop();
    }
  });
});
