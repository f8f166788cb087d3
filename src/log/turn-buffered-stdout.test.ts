import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Runs a script with the real logger to stdout; returns the JSON lines and how many write() calls carried them. */
function run(body: string) {
  const script = `
    import { createLogger } from ${JSON.stringify(logger)};
    import fs from 'node:fs';
    const log = createLogger('info');
    ${body}`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return {
    lines: res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).msg as string),
    status: res.status,
    stderr: res.stderr,
  };
}

describe('the logger on stdout', () => {
  it('writes the lines of a turn, in order, before the next turn', () => {
    const { lines, status } = run(`
      log.info('one'); log.info('two');
      setImmediate(() => setImmediate(() => { log.info('three'); }));`);
    expect(status).toBe(0);
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('writes what is buffered when the process exits in the same turn (a fatal error)', () => {
    const { lines, status } = run(`
      process.on('uncaughtException', (err) => { log.fatal(err.message); process.exit(70); });
      log.info('before');
      throw new Error('boom');`);
    expect(status).toBe(70);
    expect(lines).toEqual(['before', 'boom']);
  });

  it('a burst of lines in one turn goes out in one write', () => {
    const { lines, stderr } = run(`
      let writes = 0;
      const real = fs.writeSync;
      fs.writeSync = (...args) => { if (args[0] === 1) writes++; return real(...args); };
      for (let i = 0; i < 50; i++) log.info('line ' + i);
      setImmediate(() => setImmediate(() => process.stderr.write(String(writes))));`);
    expect(lines).toHaveLength(50);
    expect(stderr).toBe('1');
  });
});
