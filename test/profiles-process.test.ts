// The profile file in the real `npm start` process: loaded at start, refused at start
// when invalid (exit 78), reloaded on SIGHUP and when the file changes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, waitFor } from './support/server-process.ts';

const file = (greeting: string) => `
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  desk:
    greeting: ${greeting}
routing:
  default: { agent: desk }
`;

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const greetingOf = async (s: ServerProcess) => {
  const call = await s.emulator.placeCall({ from: '+12125551234', to: '+18005550000' });
  const record = await call.ended;
  return String(record.transcript.find((l) => l.speaker === 'agent')?.text);
};

describe('the server process with a profile file', () => {
  it('uses the file, reloads it on SIGHUP and when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-proc-'));
    const path = join(dir, 'switchboard.yaml');
    writeFileSync(path, file('Good morning from version one.'));
    server = await startServerProcess({ SWITCHBOARD_CONFIG: path });
    const s = server;
    expect(s.output()).toContain('"msg":"profile file loaded"');
    expect(await greetingOf(s)).toBe('Good morning from version one.');

    writeFileSync(path, file('Version two, after SIGHUP.'));
    s.proc.kill('SIGHUP');
    await waitFor(() => (s.output().includes('"trigger":"SIGHUP"') ? true : undefined), 'the SIGHUP reload');
    expect(await greetingOf(s)).toBe('Version two, after SIGHUP.');

    writeFileSync(path, file('Version three, saved by an editor.'));
    await waitFor(() => (s.output().includes('"trigger":"file change"') ? true : undefined), 'the reload on file change');
    expect(await greetingOf(s)).toBe('Version three, saved by an editor.');

    writeFileSync(path, `${file('Version four.')}\nlimits: { maxConcurrentCalls: none }\n`);
    s.proc.kill('SIGHUP');
    await waitFor(() => (s.output().includes('profile file refused') ? true : undefined), 'the refused reload');
    expect(s.output()).toContain('limits.maxConcurrentCalls: expected a number');
    expect(await greetingOf(s)).toBe('Version three, saved by an editor.');
  });

  it('refuses to start with an invalid file, naming each problem (exit 78)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-proc-'));
    const path = join(dir, 'switchboard.yaml');
    writeFileSync(path, file('Hi').replace('agent: desk', 'agent: nobody'));
    const proc = spawn(process.execPath, ['src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        OPENAI_API_KEY: 'sk-x',
        OPENAI_WEBHOOK_SECRET: 'whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4',
        REFER_TO: '+19195554321',
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        SWITCHBOARD_CONFIG: path,
        LOCAL_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(proc, 'exit');
    expect(code).toBe(78);
    expect(stderr).toContain(`${path}:7:14: routing.default.agent: no agent named "nobody"`);
  });
});
