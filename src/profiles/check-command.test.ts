import { describe, expect, it } from 'vitest';
import { runCheckCommand } from './check-command.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

async function check(text: string | null, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCheckCommand(text === null ? ['switchboard.example.yaml'] : ['sb.yaml'], {
    env: { TOOLS_SIGNING_SECRET: secret, ...env },
    cwd: text === null ? process.cwd() : '/virtual',
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    ...(text === null
      ? {}
      : {
          readFile: (p: string) => {
            if (p === '/virtual/sb.yaml') return text;
            const f = files[p];
            if (f === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
            return f;
          },
        }),
  });
  return { code, out, err, lines: err.trim().split('\n') };
}

const minimal = (agent: string, extra = '') => `
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  sales:
${agent}
routing:
  default: { agent: sales }
${extra}`;

describe('switchboard check', () => {
  it('accepts the shipped example file', async () => {
    const r = await check(null);
    expect(r.code).toBe(0);
    expect(r.out).toBe('switchboard.example.yaml: OK (3 agents, 4 routes, 3 schedules, 2 HTTP tools)\n');
    expect(r.err).toBe('');
  });

  it('names the path and line of a wrong type, as agents.sales.tools[2].timeoutMs', async () => {
    const tool = (n: string, extra = '') => `      - { name: ${n}, description: d, url: "https://x.example/${n}"${extra} }`;
    const r = await check(minimal(`    tools:\n${tool('a')}\n${tool('b')}\n${tool('c', ', timeoutMs: fast')}`));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      'sb.yaml:8:64: agents.sales.tools[2].timeoutMs: expected a number',
      'sb.yaml: 1 problem; the server would refuse this file',
    ]);
  });

  it('refuses the turn-detection fields SIP refuses, at check time', async () => {
    const r = await check(
      minimal('    turnDetection: { type: server_vad, threshold: 0.5, prefix_padding_ms: 300, silenceDurationMs: 500 }'),
    );
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, 3)).toEqual([
      'sb.yaml:5:40: agents.sales.turnDetection.threshold: SIP calls refuse threshold (OpenAI answers 400 "Unknown parameter"): remove it',
      'sb.yaml:5:56: agents.sales.turnDetection.prefix_padding_ms: SIP calls refuse prefix_padding_ms (OpenAI answers 400 "Unknown parameter"): remove it',
      'sb.yaml:5:80: agents.sales.turnDetection.silenceDurationMs: SIP calls refuse silence_duration_ms (OpenAI answers 400 "Unknown parameter"): remove it',
    ]);
    const ok = await check(minimal('    turnDetection: { type: server_vad, idleTimeoutMs: 8000, interruptResponse: false }'));
    expect(ok.code).toBe(0);
  });

  it('lists every structural problem: unknown keys, bad values, missing variables, bad keys', async () => {
    const r = await check(`
business: { timeZone: Mars/Olympus }
screening:
  block: { callers: ["12a"], status: 200 }
schedules:
  office:
    weekly: { mon: 9-5, funday: 10:00-11:00 }
agents:
  sales:
    greting: hi
    transfers:
      billing: { to: "555-1234", description: Billing }
    dtmf: { keys: { "12": { action: hangup } } }
    tools:
      - { name: a, description: d, url: "https://x.example", headers: { Authorization: "Bearer \${CRM_TOKEN}" } }
routing: {}
`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      'sb.yaml:2:13: business.timeZone: expected an IANA time zone like America/New_York',
      'sb.yaml:4:22: screening.block.callers[0]: expected a number like +19195551234, or a prefix ending in * like +1900*',
      'sb.yaml:4:30: screening.block.status: must be at least 400',
      'sb.yaml:7:15: schedules.office.weekly.mon: expected a time range like 09:00-17:00 (24-hour clock; 22:00-02:00 runs past midnight)',
      'sb.yaml:7:25: schedules.office.weekly.funday: unknown key',
      'sb.yaml:10:5: agents.sales.greting: unknown key',
      'sb.yaml:12:18: agents.sales.transfers.billing.to: expected an E.164 number like +19195554321 or a sip: URI like sip:+19195554321@host',
      'sb.yaml:13:21: agents.sales.dtmf.keys["12"]: bad key: expected one key: 0-9, *, #, A-D',
      'sb.yaml:15:73: agents.sales.tools[0].headers.Authorization: environment variable CRM_TOKEN is not set',
      'sb.yaml: 9 problems; the server would refuse this file',
    ]);
    expect(r.err).not.toContain(secret);
  });

  it('checks cross-references once the structure is right', async () => {
    const r = await check(`
agents:
  sales:
    transfers: { billing: { to: "+19195554321", description: B, hours: nights } }
    dtmf: { keys: { "0": { action: transfer, to: operator } } }
    tools: [{ name: end_call, description: d, url: "https://x.example" }]
routing:
  routes: [{ dialed: "+18005550100", agent: support, hours: office }]
  default: { agent: sales, afterHours: { agent: nobody } }
`);
    expect(r.code).toBe(1);
    expect(r.lines.filter((l) => !l.includes('warning'))).toEqual([
      'sb.yaml:4:65: agents.sales.transfers.billing.hours: no schedule named "nights"',
      'sb.yaml:5:46: agents.sales.dtmf.keys["0"].to: no destination named "operator" in this agent\'s transfers',
      'sb.yaml:6:15: agents.sales.tools[0].name: end_call is built in: choose another name',
      'sb.yaml:8:38: routing.routes[0].agent: no agent named "support"',
      'sb.yaml:8:54: routing.routes[0].hours: no schedule named "office"',
      'sb.yaml:9:28: routing.default.afterHours: afterHours needs hours',
      'sb.yaml:9:42: routing.default.afterHours.agent: no agent named "nobody"',
      'sb.yaml: 7 problems; the server would refuse this file',
    ]);
    expect(r.lines).toContain(
      "sb.yaml:2:1: warning: carrier: no allowedHosts (nor CARRIER_ALLOWED_HOSTS): transfers trust any Contact host in the INVITE; list your carrier's hosts or networks",
    );
  });

  it('warns when a GET tool declares an argument its url already fixes', async () => {
    const tool = `    tools:
      - name: lookup
        description: d
        method: GET
        url: "https://x.example/orders?tenant=acme"
        parameters: { type: object, properties: { tenant: { type: string }, orderId: { type: string } } }`;
    const r = await check(minimal(tool));
    expect(r.code).toBe(0);
    expect(r.lines).toContainEqual(
      expect.stringMatching(
        /agents\.sales\.tools\[0\]\.parameters\.properties\.tenant: "tenant" is fixed in the url's query: the model's value is never sent$/,
      ),
    );
  });

  it('compiles templates, JSON schemas, secrets and instruction files', async () => {
    const r = await check(
      minimal(`    greeting: "Hi {{ callr }}, {{sip.X-Account}}"
    instructionsFile: prompts/missing.md
    tools:
      - name: t
        description: d
        url: "https://x.example"
        signingSecret: "whsec_%%%"
        parameters: { type: object, properties: { a: { type: strnig } } }
      - { name: u, description: d, url: "https://x.example", parameters: { type: array } }
      - { name: v, description: d, url: "https://x.example", signingSecret: "whsec_c2hvcnQ=" }`),
    );
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      'sb.yaml:5:5: agents.sales.greeting: unknown variable "callr"',
      'sb.yaml:5:5: agents.sales.greeting: unknown variable "sip.X-Account"',
      'sb.yaml:6:5: agents.sales.instructionsFile: cannot read prompts/missing.md (ENOENT)',
      expect.stringMatching(
        /^sb\.yaml:12:9: agents\.sales\.tools\[0\]\.parameters: invalid JSON schema: .*data\/properties\/a\/type must be equal to one of the allowed values/,
      ),
      'sb.yaml:13:76: agents.sales.tools[1].parameters.type: tool parameters must be a JSON schema of type "object"',
      'sb.yaml:14:62: agents.sales.tools[2].signingSecret: expected a Standard Webhooks secret: whsec_ followed by 24 to 64 base64-encoded random bytes (`echo whsec_$(openssl rand -base64 32)`)',
      'sb.yaml: 6 problems; the server would refuse this file',
    ]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const r = await check('agents:\n  sales: {\n');
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(/^sb\.yaml:\d+:\d+: YAML: /);
    const flow = await check('httpTools: { signingSecret: ${SECRET} }\n');
    expect(flow.lines).toEqual([
      expect.stringMatching(/^sb\.yaml:1:\d+: YAML: .*\(inside \{ \} or \[ \], put \$\{VAR\} in quotes: "\$\{VAR\}"\)/),
      'sb.yaml: 1 problem; the server would refuse this file',
    ]);
  });

  it('reports an unreadable file and usage errors', async () => {
    const r = await runCheckCommand(['/nope/sb.yaml'], { env: {}, cwd: '/', out: () => {}, err: () => {} });
    expect(r).toBe(1);
    expect(await runCheckCommand(['a', 'b'], { env: {}, cwd: '/', out: () => {}, err: () => {} })).toBe(64);
  });
});

describe('switchboard check: surfaces', () => {
  const wav = (channels: number) => {
    const pcm = Buffer.alloc(100 * 48 * channels);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'latin1');
    h.writeUInt32LE(36 + pcm.length, 4);
    h.write('WAVEfmt ', 8, 'latin1');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(channels, 22);
    h.writeUInt32LE(24_000, 24);
    h.writeUInt32LE(24_000 * 2 * channels, 28);
    h.writeUInt16LE(2 * channels, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36, 'latin1');
    h.writeUInt32LE(pcm.length, 40);
    return Buffer.concat([h, pcm]);
  };
  const tool = (filler: string) =>
    `    tools:\n      - { name: look, description: d, url: "https://x.example/l", signingSecret: "${secret}", filler: ${filler} }`;
  async function checkWith(text: string, env: Record<string, string> = {}, binaries: Record<string, Buffer> = {}) {
    let err = '';
    const code = await runCheckCommand(['sb.yaml'], {
      env: { TOOLS_SIGNING_SECRET: secret, ...env },
      cwd: '/virtual',
      out: () => undefined,
      err: (t) => void (err += t),
      readFile: (p) => {
        if (p === '/virtual/sb.yaml') return text;
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
      readBinary: (p) => {
        const b = binaries[p];
        if (!b) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return b;
      },
    });
    return { code, lines: err.trim().split('\n') };
  }

  it('validates surface and says recording is for GPT-Live agents only', async () => {
    const bad = await checkWith(minimal('    surface: sip'));
    expect(bad.lines[0]).toMatch(/^sb\.yaml:5:\d+: agents\.sales\.surface: expected realtime or live$/);
    const rec = await checkWith(minimal('    recording: true'));
    expect(rec.code).toBe(1);
    expect(rec.lines).toContainEqual(
      expect.stringMatching(
        /^sb\.yaml:5:\d+: agents\.sales\.recording: recordings need surface: live \(Realtime SIP cannot record calls\)$/,
      ),
    );
    expect((await checkWith(minimal('    surface: live\n    recording: true'))).code).toBe(0);
    const env = await checkWith(minimal('    voice: marin'), { AGENT_SURFACE: 'gpt-live' });
    expect(env.code).toBe(1);
    expect(env.lines[0]).toBe('AGENT_SURFACE: expected realtime or live, got "gpt-live"');
  });

  it('checks an audio filler: GPT-Live only, WAV PCM16 24 kHz mono', async () => {
    const realtime = await checkWith(minimal(tool('{ audio: hold.wav }')), {}, { '/virtual/hold.wav': wav(1) });
    expect(realtime.code).toBe(1);
    expect(realtime.lines).toContainEqual(
      expect.stringContaining(
        'agents.sales.tools[0].filler.audio: an audio filler needs surface: live (Realtime cannot play audio while a tool runs); use words instead',
      ),
    );
    const stereo = await checkWith(minimal(`    surface: live\n${tool('{ audio: hold.wav }')}`), {}, { '/virtual/hold.wav': wav(2) });
    expect(stereo.code).toBe(1);
    expect(stereo.lines.join('\n')).toContain(
      'agents.sales.tools[0].filler.audio: hold.wav: 2 channels; convert it to PCM16, 24 kHz, mono (GPT-Live plays WAV PCM16 24 kHz mono, at most 30 s)',
    );
    const missing = await checkWith(minimal(`    surface: live\n${tool('{ audio: gone.wav }')}`));
    expect(missing.lines.join('\n')).toContain('cannot read gone.wav (ENOENT)');
    expect((await checkWith(minimal(`    surface: live\n${tool('{ audio: hold.wav }')}`), {}, { '/virtual/hold.wav': wav(1) })).code).toBe(
      0,
    );
  });

  it('refuses a model of the other surface, warns about a deprecated one and a voice the surface lacks', async () => {
    const wrong = await checkWith(minimal('    surface: live\n    model: gpt-realtime-2.1'));
    expect(wrong.code).toBe(1);
    expect(wrong.lines).toContainEqual(
      expect.stringContaining(
        'agents.sales.model: "gpt-realtime-2.1" is a Realtime model; a Live agent needs a Live model such as gpt-live-1',
      ),
    );
    const old = await checkWith(minimal('    model: gpt-realtime\n    voice: vesper'));
    expect(old.code).toBe(0);
    // Before the shutdown date a warning, after it a louder one (the check reads today's date).
    expect(old.lines.join('\n')).toMatch(/agents\.sales\.model: gpt-realtime (is deprecated and shuts down|was shut down) on 2027-01-20/);
    expect(old.lines.join('\n')).toContain('agents.sales.voice: "vesper" is not a Realtime voice');
    expect((await checkWith(minimal('    surface: live\n    voice: vesper'))).lines.join('\n')).not.toContain('voice');
  });
});
