// `npm start` (main.ts) and the testing stack build the same switchboard: from the same
// configuration, the same routes, the same metrics, the same agents and records. Each is
// compared with what buildSwitchboard builds directly, and carries a call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../src/config/config.ts';
import { type Emulator, startEmulator } from '../src/emulator/index.ts';
import { webhookPath } from '../src/inbound/webhook-route.ts';
import { startSwitchboard } from '../src/main.ts';
import { buildSwitchboard, type Switchboard } from '../src/server/build-switchboard.ts';
import { startLocalStack } from '../src/testing/local-stack.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-entry-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** The settings both entry points get (the stack adds its keys and emulator URL itself). */
const settings = (): Env => ({
  REFER_TO: '+19195554321',
  API_TOKEN: 'entry-points-token-0123456789',
  CARRIER_ALLOWED_HOSTS: '67.231.5.0/24',
  HOST: '127.0.0.1',
  LOCAL_PORT: '0',
  LOG_LEVEL: 'silent',
  DATA_DIR: tempDir(),
});

/** What a switchboard is made of, as far as its configuration decides it. */
async function assembly(s: Switchboard) {
  await s.app.ready();
  return {
    routes: s.app.printRoutes({ commonPrefix: false }),
    metrics: (await s.metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort(),
    agents: s.agents.source,
    records: s.records !== null,
  };
}

/** The reference: buildSwitchboard itself, on the same configuration (never started). */
async function reference(env: Env) {
  const s = await buildSwitchboard(loadConfig({ ...env, DATA_DIR: tempDir() }));
  cleanups.push(() => s.shutdown());
  return assembly(s);
}

async function transferCall(emulator: Emulator) {
  const call = await emulator.placeCall({
    steps: [{ say: 'A person, please.' }, { call: { name: 'transfer_call', arguments: { reason: 'wants a person' } } }],
  });
  return (await call.ended).refers.map((r) => r.targetUri);
}

describe('entry points', () => {
  it('main.ts builds the switchboard buildSwitchboard builds, and it takes a call', async () => {
    const apiKey = 'sk-entry-main';
    const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const emulator = await startEmulator({ apiKey, webhookSecret, logger: false });
    cleanups.push(() => emulator.close());
    const env = { ...settings(), OPENAI_API_KEY: apiKey, OPENAI_WEBHOOK_SECRET: webhookSecret, OPENAI_BASE_URL: emulator.baseURL };
    const main = await startSwitchboard(loadConfig(env), env, tempDir()); // a directory without switchboard.yaml
    cleanups.push(() => main.shutdown());

    expect(await assembly(main)).toEqual(await reference(env));
    const { port } = main.app.server.address() as { port: number };
    emulator.setWebhookUrl(`http://127.0.0.1:${port}${webhookPath}`);
    expect(await transferCall(emulator)).toEqual(['sip:+19195554321@67.231.5.176:5061;transport=tls']);
  });

  it('the testing stack builds the switchboard buildSwitchboard builds, and it takes a call', async () => {
    const env = settings();
    const stack = await startLocalStack({ env });
    cleanups.push(() => stack.close());

    const sameConfig = {
      ...env,
      OPENAI_API_KEY: stack.config.openaiApiKey,
      OPENAI_WEBHOOK_SECRET: stack.config.webhookSecret,
      OPENAI_BASE_URL: stack.config.openaiBaseUrl,
    };
    expect(await assembly(stack.server)).toEqual(await reference(sameConfig));
    expect(await transferCall(stack.emulator)).toEqual(['sip:+19195554321@67.231.5.176:5061;transport=tls']);
  });
});
