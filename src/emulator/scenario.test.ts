import { describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../errors.ts';
import { actionFault, parseScenario } from './scenario.ts';

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
    expect(s).toMatchObject({
      name: 'call',
      from: '+19195551234',
      steps: [],
      idleHangupMs: 1000,
      carrier: 'bandwidth',
      webhooks: ['realtime'],
    });
    const none = { delayMs: 0, answerAfterMs: 0, never: false, statuses: [] };
    expect(s.faults).toEqual({
      acceptStatuses: [],
      acceptDelayMs: 0,
      referStatuses: [],
      serviceDelayMs: 0,
      accept: none,
      reject: none,
      refer: none,
      hangup: none,
      socket: [],
      responsesStatuses: [],
      recordingStatuses: [],
    });
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
    expect(problemOf({ webhooks: ['live', 'live'] })).toContain('webhooks: each webhook type once');
    expect(problemOf({ webhooks: ['sip'] })).toContain('webhooks[0]');
  });

  it('takes the webhook types a project subscribes to, in order', () => {
    const s = parseScenario({ webhooks: ['live', 'realtime'] });
    expect(s.webhooks).toEqual(['live', 'realtime']);
  });

  it('takes frame and raw steps, and timed socket faults', () => {
    const s = parseScenario({
      steps: [{ frame: { type: 'response.done' } }, { raw: 'not json' }],
      faults: { socket: [{ afterMs: 50, drop: true }], refer: { never: true } },
    });
    expect(s.steps).toEqual([
      { kind: 'frame', frame: { type: 'response.done' } },
      { kind: 'raw', text: 'not json' },
    ]);
    expect(s.faults.socket).toEqual([{ afterMs: 50, drop: true }]);
    expect(s.faults.refer.never).toBe(true);
    expect(problemOf({ faults: { socket: [{ drop: true, raw: 'x' }] } })).toContain('faults.socket[0]: a socket fault has exactly one of');
    expect(problemOf({ faults: { hangup: { status: 200 } } })).toContain('faults.hangup.status');
  });

  it('folds the older flat fault keys into the per-action ones', () => {
    const s = parseScenario({ faults: { acceptStatuses: [500], acceptDelayMs: 10, referStatus: 503 } });
    expect(actionFault(s.faults, 'accept')).toMatchObject({ statuses: [500], delayMs: 10 });
    expect(actionFault(s.faults, 'refer')).toMatchObject({ status: 503 });
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
