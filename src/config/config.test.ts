import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import { defaultGreeting, defaultInstructions, type Env, loadConfig } from './config.ts';

const minimal: Env = { OPENAI_API_KEY: 'sk-test', OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==', REFER_TO: '+19195554321' };

function problems(env: Env, readFile?: (p: string) => string): string[] {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    if (isSwitchboardError(err, 'SB_CONFIG_INVALID')) return err.fields.problems as string[];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      port: 3000,
      logLevel: 'info',
      logPii: false,
      openaiBaseUrl: 'https://api.openai.com/v1',
      model: 'gpt-realtime-2.1',
      surface: 'realtime',
      liveModel: 'gpt-live-1',
      recording: false,
      voice: 'marin',
      instructions: defaultInstructions,
      greeting: defaultGreeting,
      referSipHost: null,
      carrierAllowedHosts: null,
      referTimeoutMs: 5_000,
      drainTimeoutMs: 30_000,
      acceptDeadlineMs: 3_000,
      webhookMaxBodyBytes: 65_536,
      httpRequestTimeoutMs: 10_000,
      httpConnectionTimeoutMs: 60_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('wants the idle-connection timeout longer than the accept deadline (the webhook waits on the accept)', () => {
    expect(problems({ ...minimal, HTTP_CONNECTION_TIMEOUT_MS: '3000' })).toEqual([
      'HTTP_CONNECTION_TIMEOUT_MS: must be longer than ACCEPT_DEADLINE_MS',
    ]);
    expect(problems({ ...minimal, HTTP_CONNECTION_TIMEOUT_MS: '3001' })).toEqual([]);
  });

  it('has the documented cluster defaults, and refuses a lease shorter than two heartbeats', () => {
    expect(loadConfig(minimal)).toMatchObject({
      cluster: { heartbeatMs: 1_000, leaseMs: 4_000, relayTimeoutMs: 10_000, handOverTimeoutMs: 10_000, queryTimeoutMs: 2_000 },
    });
    expect(loadConfig({ ...minimal, CLUSTER_HEARTBEAT_MS: '500', CLUSTER_LEASE_MS: '1000' })).toMatchObject({
      cluster: { heartbeatMs: 500, leaseMs: 1_000 },
    });
    expect(problems({ ...minimal, CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_LEASE_MS: '1500' })).toEqual([
      'CLUSTER_LEASE_MS: must be at least twice CLUSTER_HEARTBEAT_MS (a lease must survive one missed renewal)',
    ]);
  });

  it("accepts the guide's names: OPENAI_SIGNING_SECRET and PORT", () => {
    const config = loadConfig({ OPENAI_API_KEY: 'k', OPENAI_SIGNING_SECRET: 'whsec_x', REFER_TO: '+19195554321', PORT: '8080' });
    expect(config.webhookSecret).toBe('whsec_x');
    expect(config.port).toBe(8080);
  });

  it('names every missing variable at once', () => {
    const found = problems({});
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^OPENAI_API_KEY: required/);
    expect(found[1]).toMatch(/^OPENAI_WEBHOOK_SECRET: required \(or OPENAI_SIGNING_SECRET\)/);
    expect(found[2]).toMatch(/^REFER_TO: required/);
  });

  it('says why a value is wrong', () => {
    const found = problems({
      ...minimal,
      REFER_TO: 'tel:+19195554321',
      LOCAL_PORT: '99999',
      LOG_LEVEL: 'loud',
      OPENAI_BASE_URL: 'ftp://x',
      DRAIN_TIMEOUT_MS: 'soon',
      LOG_PII: 'maybe',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^REFER_TO: expected an E\.164 number/),
        expect.stringMatching(/^LOCAL_PORT: expected a port number/),
        expect.stringMatching(/^LOG_LEVEL: expected one of fatal, error/),
        expect.stringMatching(/^OPENAI_BASE_URL: expected an http\(s\) URL/),
        expect.stringMatching(/^DRAIN_TIMEOUT_MS: expected a number of milliseconds/),
        expect.stringMatching(/^LOG_PII: expected true or false/),
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it("reads CARRIER_ALLOWED_HOSTS like the profile file's carrier.allowedHosts, and names a bad entry", () => {
    expect(
      loadConfig({ ...minimal, CARRIER_ALLOWED_HOSTS: '67.231.5.0/24, 216.82.224.202 ,*.bandwidth.example,,2001:db8::/32' })
        .carrierAllowedHosts,
    ).toEqual(['67.231.5.0/24', '216.82.224.202', '*.bandwidth.example', '2001:db8::/32']);
    expect(loadConfig({ ...minimal, CARRIER_ALLOWED_HOSTS: ' , ' }).carrierAllowedHosts).toBeNull();
    expect(problems({ ...minimal, CARRIER_ALLOWED_HOSTS: '67.231.5.0/40,host name' })).toEqual([
      expect.stringMatching(/^CARRIER_ALLOWED_HOSTS: "67\.231\.5\.0\/40": the prefix length must be 0–32/),
      expect.stringMatching(/^CARRIER_ALLOWED_HOSTS: "host name" is not an IP address, a CIDR network or a host name/),
    ]);
    expect(problems({ ...minimal, REFER_TIMEOUT_MS: '10' })).toEqual([expect.stringMatching(/^REFER_TIMEOUT_MS: must be at least 100/)]);
  });

  it('takes a sip: URI as REFER_TO unchanged', () => {
    expect(loadConfig({ ...minimal, REFER_TO: 'sip:desk@pbx.example.com:5060' }).referTo).toBe('sip:desk@pbx.example.com:5060');
  });

  it('reads AGENT_INSTRUCTIONS_FILE once, and reports an unreadable one', () => {
    expect(loadConfig({ ...minimal, AGENT_INSTRUCTIONS_FILE: 'p.txt' }, () => ' Be brief. \n').instructions).toBe('Be brief.');
    const found = problems({ ...minimal, AGENT_INSTRUCTIONS_FILE: 'missing.txt' }, () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    });
    expect(found).toEqual(['AGENT_INSTRUCTIONS_FILE: cannot read missing.txt (ENOENT)']);
  });

  it('refuses both instruction sources at once', () => {
    expect(problems({ ...minimal, AGENT_INSTRUCTIONS: 'a', AGENT_INSTRUCTIONS_FILE: 'b' }, () => 'x')).toEqual([
      'AGENT_INSTRUCTIONS_FILE: set either AGENT_INSTRUCTIONS or AGENT_INSTRUCTIONS_FILE, not both',
    ]);
  });

  it('never puts a secret in its error message', () => {
    try {
      loadConfig({ OPENAI_API_KEY: 'sk-very-secret', OPENAI_WEBHOOK_SECRET: 'whsec_secret', REFER_TO: 'bad' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('sk-very-secret');
      expect((err as Error).message).not.toContain('whsec_secret');
    }
  });
});
