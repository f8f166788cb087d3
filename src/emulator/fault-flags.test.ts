import { describe, expect, it } from 'vitest';
import { FaultFlagError, parseFaultFlags, withDefaultFaults } from './fault-flags.ts';
import { parseScenario } from './scenario.ts';

describe('--fault flags', () => {
  it('become scenario faults', () => {
    const faults = parseFaultFlags([
      'refer.never',
      'accept.answer-after-ms=5000',
      'hangup.statuses=503,500',
      'reject.status=500',
      'refer.delay-ms=100',
      'socket.frame=2000:{"type":"response.done"}',
      'socket.raw=oops',
      'socket.drop=3000',
    ]);
    expect(faults).toEqual({
      refer: { never: true, delayMs: 100 },
      accept: { answerAfterMs: 5000 },
      hangup: { statuses: [503, 500] },
      reject: { status: 500 },
      socket: [
        { afterMs: 2000, frame: { type: 'response.done' } },
        { afterMs: 0, raw: 'oops' },
        { afterMs: 3000, drop: true },
      ],
    });
    expect(() => parseScenario({ faults })).not.toThrow();
  });

  it('name what is wrong', () => {
    expect(() => parseFaultFlags(['transfer.never'])).toThrow(FaultFlagError);
    expect(() => parseFaultFlags(['refer.sometimes'])).toThrow(/unknown fault/);
    expect(() => parseFaultFlags(['accept.delay-ms=soon'])).toThrow(/whole number/);
    expect(() => parseFaultFlags(['socket.frame=[1]'])).toThrow(/JSON object/);
  });

  it('yield to the scenario, key by key', () => {
    const merged = withDefaultFaults({ faults: { refer: { status: 500 } } }, { refer: { delayMs: 50 }, hangup: { never: true } });
    expect(merged).toEqual({ faults: { refer: { delayMs: 50, status: 500 }, hangup: { never: true } } });
  });
});
