import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import { parseScenario } from './scenario.ts';

const problemOf = (input: unknown): string => {
  try {
    parseScenario(input);
  } catch (err) {
    if (isSwitchboardError(err, 'SB_EMULATOR_SCENARIO')) return err.message;
    throw err;
  }
  throw new Error('expected the scenario to be refused');
};

describe('parseScenario', () => {
  it('fills defaults', () => {
    const s = parseScenario({});
    expect(s).toMatchObject({ name: 'call', from: '+19195551234', steps: [], idleHangupMs: 1000, carrier: 'bandwidth' });
    expect(s.faults).toEqual({ acceptStatuses: [], acceptDelayMs: 0, referStatuses: [], serviceDelayMs: 0 });
  });

  it('turns steps into actions', () => {
    const s = parseScenario({ steps: [{ say: 'hi' }, { call: { name: 'end_call' } }, { dtmf: '1#' }, { drop: true }] });
    expect(s.steps).toEqual([
      { kind: 'say', text: 'hi' },
      { kind: 'call', name: 'end_call', arguments: {} },
      { kind: 'dtmf', digits: '1#' },
      { kind: 'drop' },
    ]);
  });

  it('names the field of a bad value', () => {
    expect(problemOf({ steps: [{ say: 'ok' }, { dtmf: 'x' }] })).toContain('steps[1].dtmf: expected DTMF digits');
    expect(problemOf({ from: '919' })).toContain('from: expected an E.164 number');
    expect(problemOf({ faults: { acceptStatuses: [200] } })).toContain('faults.acceptStatuses[0]');
    expect(problemOf({ expect: { endedBy: 'nobody' } })).toContain('expect.endedBy');
  });

  it('names unknown fields', () => {
    expect(problemOf({ steps: [{ sya: 'hi' }] })).toContain('steps[0].sya: unknown field');
    expect(problemOf({ expect: { greeting: true } })).toContain('expect.greeting: unknown field');
  });

  it('wants exactly one action per step', () => {
    expect(problemOf({ steps: [{ say: 'a', reply: 'b' }] })).toContain('steps[0]: a step has exactly one action, got say and reply');
    expect(problemOf({ steps: [{}] })).toContain('steps[0]: a step needs one of');
  });
});
