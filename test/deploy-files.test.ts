// What the shipped deployment files promise: nothing listens on a public interface by default.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe('compose.yaml', () => {
  it('publishes every port on 127.0.0.1 only (a TLS proxy on the host forwards to it)', () => {
    const compose = parse(readFileSync(new URL('../compose.yaml', import.meta.url), 'utf8')) as {
      services: Record<string, { ports?: unknown[] }>;
    };
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) {
      // Short syntax "HOST_IP:HOST:CONTAINER", or the long syntax with host_ip.
      const hostIp =
        typeof port === 'string' ? (port.split(':').length === 3 ? port.split(':')[0] : undefined) : (port as { host_ip?: string }).host_ip;
      expect(hostIp, JSON.stringify(port)).toBe('127.0.0.1');
    }
  });
});

describe('the node flags the server runs with', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const startFlags = pkg.scripts.start.split(/\s+/).slice(1, -1);

  it('npm start runs src/main.ts with a small young generation', () => {
    expect(pkg.scripts.start).toMatch(/^node .* src\/main\.ts$/);
    expect(startFlags).toContainEqual(expect.stringMatching(/^--max-semi-space-size=\d+$/));
  });

  it('the Docker image and the switchboard command run with the same flags', () => {
    const cmd = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...startFlags, 'src/main.ts']);
    const shebang = readFileSync(new URL('../src/cli.ts', import.meta.url), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${startFlags.join(' ')}`);
  });
});
