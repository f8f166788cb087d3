import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/capture-logs.ts';
import { installCrashHandlers } from './crash-handlers.ts';

describe('installCrashHandlers', () => {
  it('logs an escaped error with its context and starts the drain', () => {
    const proc = new EventEmitter();
    const logs = captureLogs();
    const drains: string[] = [];
    installCrashHandlers(proc as unknown as NodeJS.Process, logs.logger, (reason) => drains.push(reason));
    proc.emit('uncaughtException', new Error('kaboom'), 'uncaughtException');
    proc.emit('unhandledRejection', new TypeError('nope'), Promise.resolve());
    expect(drains).toEqual(['uncaughtException', 'unhandledRejection']);
    expect(logs.lines.map((l) => [l.level, l.msg])).toEqual([
      [60, 'uncaught exception: draining, then exiting'],
      [60, 'unhandled promise rejection: draining, then exiting'],
    ]);
    expect(logs.lines[0]).toMatchObject({
      origin: 'uncaughtException',
      err: { message: 'kaboom', stack: expect.stringContaining('kaboom') },
    });
  });
});
