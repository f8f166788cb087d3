import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.ts';

describe('npm run demo', () => {
  it('plays the transfer scenario, then prints the call’s summary and cost', async () => {
    let out = '';
    const code = await runDemo([], (t) => void (out += t));
    expect(code).toBe(0);
    expect(out).toContain('✔ the call went as the scenario expects');
    expect(out).toMatch(/\n {2}summary {2}The caller said: "Hi, I'd like to speak to a person\." The call ended transferred\.\n/);
    expect(out).toMatch(
      /\n {2}cost {5}\$0\.\d+: realtime \$0\.\d+ \(gpt-realtime-2\.1\), transcription \$0\.\d+ \(gpt-transcribe\), analysis \$0\.\d+; prices as of \d{4}-\d{2}-\d{2}\n/,
    );
  }, 30_000);

  it('--surface live: one accept on live_…, the delegated transfer, the session minutes priced and the recording downloaded', async () => {
    let out = '';
    const code = await runDemo(['--surface', 'live'], (t) => void (out += t));
    expect(code).toBe(0);
    expect(out).toContain('on GPT-Live');
    expect(out).toMatch(/accept {3}live model=gpt-live-1 .*store=on/);
    expect(out).toMatch(
      /\n {2}cost {5}\$0\.\d+: live session \$0\.\d+ \(gpt-live-1\), analysis \$0\.\d+; prices as of \d{4}-\d{2}-\d{2}\n/,
    );
    expect(out).toMatch(/\nrecording: \d+ bytes, .*live_[0-9a-f]+\.wav \(stereo WAV/);
    expect(out).toContain('✔ the call went as the scenario expects');
  }, 30_000);
});
