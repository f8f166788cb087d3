import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../test/support/test-agent.ts';
import { type CliIo, runEmulatorCli } from './cli.ts';

const apiKey = 'sk-test-emulator-key-0123456789';
const webhookSecret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    logger: false,
    ...extra,
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

function scenarioFile(name: string, scenario: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

describe('switchboard emulator CLI', () => {
  let agent: TestAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it('prints help', async () => {
    const t = io();
    expect(await runEmulatorCli(['--help'], t.io)).toBe(0);
    expect(t.out()).toContain('Usage: switchboard emulator');
    expect(t.out()).toContain('--webhook-url');
  });

  it('refuses unknown options with the usage (exit 64)', async () => {
    const t = io();
    expect(await runEmulatorCli(['--prot', '1'], t.io)).toBe(64);
    expect(t.err()).toContain("Unknown option '--prot'");
  });

  it('refuses a bad --fault flag with the usage (exit 64)', async () => {
    const t = io();
    expect(await runEmulatorCli(['--fault', 'refer.sometimes', '--port', '0'], t.io)).toBe(64);
    expect(t.err()).toContain('--fault refer.sometimes: unknown fault');
    expect(t.err()).toContain('--fault ACTION.never');
  });

  it('names the bad field of a scenario file', async () => {
    const t = io();
    const file = scenarioFile('bad.json', { steps: [{ say: 'hi' }, { dtmf: 'zz' }] });
    expect(await runEmulatorCli(['--scenario', file, '--webhook-url', 'http://127.0.0.1:9/x'], t.io)).toBe(1);
    expect(t.err()).toContain('steps[1].dtmf');
  });

  /** Runs the CLI on a random port; the agent learns the emulator's URL from what the CLI prints. */
  async function runScenario(scenario: unknown): Promise<{ code: number; out: string }> {
    let baseURL = '';
    agent = await startTestAgent({ baseURL: () => baseURL, apiKey, webhookSecret });
    const t = io();
    const write = t.io.stdout.write;
    t.io.stdout = {
      write: (text: string) => {
        baseURL ||= /OPENAI_BASE_URL=(\S+)/.exec(text)?.[1] ?? '';
        return write(text);
      },
    };
    const file = scenarioFile(`s-${Date.now()}.json`, scenario);
    const code = await runEmulatorCli(
      [
        'emulator',
        '--port',
        '0',
        '--webhook-url',
        agent.url,
        '--api-key',
        apiKey,
        '--webhook-secret',
        webhookSecret,
        '--scenario',
        file,
        '--playback-ms',
        '20',
      ],
      t.io,
    );
    return { code, out: t.out() };
  }

  it('places the scenario call, prints the timeline and exits 0 when the expectations hold', async () => {
    const { code, out } = await runScenario({
      idleHangupMs: 200,
      steps: [{ say: 'I want a person' }, { call: { name: 'transfer_call' } }],
      expect: { accepted: true, endedBy: 'refer', functionOutputs: 1 },
    });
    expect(out).toContain('refer → sip:+19195554321@67.231.5.176:5061;transport=tls');
    expect(out).toContain('PASS');
    expect(code).toBe(0);
  });

  it('exits 1 and lists what was unmet', async () => {
    const { code, out } = await runScenario({ idleHangupMs: 200, steps: [], expect: { endedBy: 'hangup' } });
    expect(out).toContain('endedBy: expected "hangup", got "caller"');
    expect(code).toBe(1);
  });

  it('serves until stopped and places calls posted to /emulator/calls', async () => {
    const stop = new AbortController();
    const t = io({ signal: stop.signal, env: { OPENAI_API_KEY: apiKey, OPENAI_WEBHOOK_SECRET: webhookSecret } });
    let baseURL = '';
    agent = await startTestAgent({ baseURL: () => baseURL, apiKey, webhookSecret });
    const running = runEmulatorCli(['--port', '0', '--webhook-url', agent.url], t.io);
    while (!t.out().includes('Serving until interrupted')) await new Promise((r) => setTimeout(r, 10));
    baseURL = /OPENAI_BASE_URL=(\S+)/.exec(t.out())?.[1] ?? '';
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(t.out()).toContain(`OPENAI_WEBHOOK_SECRET=${webhookSecret}   ($OPENAI_WEBHOOK_SECRET)`);

    const origin = baseURL.replace(/\/v1$/, '');
    const bad = await fetch(`${origin}/emulator/calls`, { method: 'POST', body: JSON.stringify({ steps: [{ wait: -1 }] }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('steps[0].wait');
    const res = await fetch(`${origin}/emulator/calls`, {
      method: 'POST',
      body: JSON.stringify({ idleHangupMs: 100, steps: [{ say: 'hello' }] }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    let timeline = '';
    while (!timeline.includes('call ended')) {
      timeline = await (await fetch(`${origin}/emulator/calls/${id}/timeline`)).text();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(timeline).toContain('caller   "hello"');
    stop.abort();
    expect(await running).toBe(0);
  });
});
