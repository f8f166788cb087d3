import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.ts';

describe('npm run demo', () => {
  it('plays the transfer scenario, then prints the call’s summary and cost', async () => {
    let out = '';
    const code = await runDemo([], (t) => void (out += t));
    expect(code).toBe(0);
    expect(out).toContain('✔ the call went as the scenario expects');
    expect(out).toMatch(/\n {2}summary {2}The caller said: "Hi, I'd like to speak to a person\." The call ended transferred\.\n/);
    expect(out).toMatch(/\n {2}cost {5}\$0\.\d+: realtime \$0\.\d+ \(gpt-realtime\), transcription \$0\.\d+ \(gpt-4o-mini-transcribe\), analysis \$0\.\d+; prices as of \d{4}-\d{2}-\d{2}\n/);
  }, 30_000);
});
