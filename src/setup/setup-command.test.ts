// `switchboard setup` end to end against the emulator's webhook-endpoint API.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { runSetupCommand } from './setup-command.ts';

const apiKey = 'sk-setup-test-0123456789abcdef';
const emulatorSecret = `whsec_${Buffer.from('emulator-secret-emulator-secret!').toString('base64')}`;
const webhookUrl = 'https://sb.example.com/webhooks/openai/realtime/call/inbound';

describe('switchboard setup', () => {
  let emu: Emulator;
  let dir: string;
  let envPath: string;

  beforeEach(async () => {
    emu = await startEmulator({ apiKey, webhookSecret: emulatorSecret, logger: false, projectId: 'proj_abc123' });
    dir = mkdtempSync(join(tmpdir(), 'sb-setup-'));
    envPath = join(dir, '.env');
    writeFileSync(envPath, `# my settings\nOPENAI_API_KEY=${apiKey}\nOPENAI_BASE_URL=${emu.baseURL}\nREFER_TO=+19195554321\n`);
  });
  afterEach(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runSetupCommand(args, {
      env: {},
      cwd: dir,
      out: (t) => (out += t),
      err: (t) => (err += t),
      now: () => new Date('2026-12-01T12:00:00Z'),
    });
    return { code, out, err };
  }
  const envFile = () => parseEnv(readFileSync(envPath, 'utf8')) as Record<string, string>;

  it('creates the endpoint, writes its secret and PUBLIC_URL into .env (keeping the rest), never prints the secret, prints the SIP URI', async () => {
    const run = await setup('--url', 'https://sb.example.com/');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const [endpoint] = emu.webhookEndpoints();
    expect(endpoint).toMatchObject({ url: webhookUrl, name: 'Switchboard', event_types: ['realtime.call.incoming'] });
    const env = envFile();
    expect(env).toMatchObject({
      OPENAI_WEBHOOK_SECRET: endpoint!.signingSecret,
      PUBLIC_URL: 'https://sb.example.com',
      OPENAI_API_KEY: apiKey,
      REFER_TO: '+19195554321',
    });
    expect(readFileSync(envPath, 'utf8').startsWith(`# my settings\nOPENAI_API_KEY=${apiKey}\n`)).toBe(true);
    expect(run.out).not.toContain(endpoint!.signingSecret);
    expect(run.out).toContain('OPENAI_WEBHOOK_SECRET (not shown)');
    expect(run.out).toContain('Route your numbers to: sip:proj_abc123@sip.api.openai.com');
    expect(run.out).toContain('Voice Configuration Package');
    expect(run.out).toContain('switchboard doctor');
  });

  it('a second run changes nothing: same endpoint, no update, .env byte for byte', async () => {
    expect((await setup('--url', 'https://sb.example.com')).code).toBe(0);
    const before = readFileSync(envPath, 'utf8');
    const mtime = statSync(envPath).mtimeMs;
    const endpoint = emu.webhookEndpoints()[0]!;
    const again = await setup('--url', 'https://sb.example.com');
    expect(again.code).toBe(0);
    expect(again.out).toContain('unchanged');
    expect(again.out).toContain('already up to date');
    expect(emu.webhookEndpoints()).toEqual([endpoint]);
    expect(readFileSync(envPath, 'utf8')).toBe(before);
    expect(statSync(envPath).mtimeMs).toBe(mtime);
    // PUBLIC_URL is now in .env: --url may be left out.
    expect((await setup()).code).toBe(0);
    expect(emu.webhookEndpoints()).toEqual([endpoint]);
  });

  it('adds live.transport.incoming when an agent is on GPT-Live', async () => {
    await setup('--url', 'https://sb.example.com');
    const secret = envFile().OPENAI_WEBHOOK_SECRET;
    writeFileSync(envPath, `${readFileSync(envPath, 'utf8')}AGENT_SURFACE=live\n`);
    const run = await setup('--url', 'https://sb.example.com');
    expect(run.code).toBe(0);
    expect(run.out).toContain('event types realtime.call.incoming → realtime.call.incoming, live.transport.incoming');
    expect(emu.webhookEndpoints()).toHaveLength(1);
    expect(emu.webhookEndpoints()[0]?.event_types).toEqual(['realtime.call.incoming', 'live.transport.incoming']);
    expect(envFile().OPENAI_WEBHOOK_SECRET).toBe(secret);
    expect(run.out).toContain('SRTP');
  });

  it('says which step failed and how to fix it when the project has no GPT-Live SIP', async () => {
    await emu.close();
    emu = await startEmulator({ apiKey, webhookSecret: emulatorSecret, logger: false, liveSip: false });
    writeFileSync(envPath, `OPENAI_API_KEY=${apiKey}\nOPENAI_BASE_URL=${emu.baseURL}\nAGENT_SURFACE=live\n`);
    const run = await setup('--url', 'https://sb.example.com');
    expect(run.code).toBe(1);
    expect(run.err).toContain('step 2 (OpenAI webhook): GPT-Live agents (default) need live.transport.incoming');
    expect(run.err).toContain('fix: ask OpenAI to enable GPT-Live SIP');
    expect(emu.webhookEndpoints()).toHaveLength(0);
  });

  it('--rotate: a new secret in .env, the old one kept as OPENAI_WEBHOOK_SECRET_PREVIOUS for 24 h', async () => {
    await setup('--url', 'https://sb.example.com');
    const first = envFile().OPENAI_WEBHOOK_SECRET;
    const run = await setup('--url', 'https://sb.example.com', '--rotate');
    expect(run.code).toBe(0);
    const endpoint = emu.webhookEndpoints()[0]!;
    expect(endpoint.signingSecret).not.toBe(first);
    expect(endpoint.previousSecret?.secret).toBe(first);
    expect(envFile()).toMatchObject({
      OPENAI_WEBHOOK_SECRET: endpoint.signingSecret,
      OPENAI_WEBHOOK_SECRET_PREVIOUS: first,
      OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL: '2026-12-02T12:00:00.000Z',
    });
    expect(run.out).not.toContain(endpoint.signingSecret);
    expect(run.out).not.toContain(first);
    expect(run.out).toContain('restart Switchboard');
  });

  it('an existing endpoint whose secret .env lacks: rotated (old one valid 24 h) to learn a secret', async () => {
    await setup('--url', 'https://sb.example.com');
    writeFileSync(envPath, `OPENAI_API_KEY=${apiKey}\nOPENAI_BASE_URL=${emu.baseURL}\n`);
    const run = await setup('--url', 'https://sb.example.com');
    expect(run.code).toBe(0);
    expect(run.out).toContain('no signing secret in .env');
    expect(envFile().OPENAI_WEBHOOK_SECRET).toBe(emu.webhookEndpoints()[0]?.signingSecret);
  });

  it('a wrong secret in .env: refused with the fix (--rotate), nothing written', async () => {
    await setup('--url', 'https://sb.example.com');
    const wrong = `whsec_${Buffer.from('not-the-right-secret-at-all-0000').toString('base64')}`;
    writeFileSync(envPath, `OPENAI_API_KEY=${apiKey}\nOPENAI_BASE_URL=${emu.baseURL}\nOPENAI_WEBHOOK_SECRET=${wrong}\n`);
    const run = await setup('--url', 'https://sb.example.com');
    expect(run.code).toBe(1);
    expect(run.err).toContain('step 2 (OpenAI webhook): the signing secret in .env (OPENAI_WEBHOOK_SECRET) is not the secret of endpoint');
    expect(run.err).toContain('--rotate');
    expect(envFile().OPENAI_WEBHOOK_SECRET).toBe(wrong);
  });

  it('refuses a plain-http public URL, names step 1; a refused API key names step 2', async () => {
    const http = await setup('--url', 'http://sb.example.com');
    expect(http.code).toBe(1);
    expect(http.err).toContain('step 1 (public URL): http:// is not accepted');
    writeFileSync(envPath, `OPENAI_API_KEY=sk-wrong-key-wrong-key\nOPENAI_BASE_URL=${emu.baseURL}\n`);
    const key = await setup('--url', 'https://sb.example.com');
    expect(key.code).toBe(1);
    expect(key.err).toContain('step 2 (OpenAI webhook): OpenAI refused OPENAI_API_KEY (401');
    expect(emu.webhookEndpoints()).toHaveLength(0);
  });

  it('--project is saved as OPENAI_PROJECT_ID and used for the SIP URI', async () => {
    const run = await setup('--url', 'https://sb.example.com', '--project', 'proj_Mine42');
    expect(run.out).toContain('sip:proj_Mine42@sip.api.openai.com');
    expect(envFile().OPENAI_PROJECT_ID).toBe('proj_Mine42');
    expect((await setup('--url', 'https://sb.example.com', '--project', 'mine')).code).toBe(64);
  });
});
