import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manual-clock.ts';
import { AnswerFirst } from './answer-first.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

describe('AnswerFirst', () => {
  it('runs a set-up on the next turn when nothing is being answered', async () => {
    const first = new AnswerFirst({ clock: new ManualClock() });
    const ran: string[] = [];
    first.defer(() => ran.push('a'));
    expect(ran).toEqual([]);
    await turn();
    expect(ran).toEqual(['a']);
  });

  it('holds set-ups while a webhook is answered, then runs them one per turn', async () => {
    const first = new AnswerFirst({ clock: new ManualClock() });
    const ran: string[] = [];
    const done = first.begin();
    first.defer(() => ran.push('a'));
    first.defer(() => ran.push('b'));
    await turns(3);
    expect(ran).toEqual([]);
    done();
    done(); // twice is once
    await turn();
    expect(ran).toEqual(['a']);
    // A webhook arriving between two set-ups goes first again.
    const next = first.begin();
    await turns(3);
    expect(ran).toEqual(['a']);
    next();
    await turns(2);
    expect(ran).toEqual(['a', 'b']);
    expect(first.waiting).toBe(0);
  });

  it('never holds a set-up longer than maxDelayMs, whatever keeps arriving', async () => {
    const clock = new ManualClock();
    const first = new AnswerFirst({ clock, maxDelayMs: 100 });
    const ran: string[] = [];
    first.begin(); // never done: a flood
    first.defer(() => ran.push('a'));
    await turns(2);
    clock.advance(99);
    await turns(2);
    expect(ran).toEqual([]);
    clock.advance(1);
    await turns(2);
    expect(ran).toEqual(['a']);
  });

  it('a set-up that throws is reported, and the ones after it run', async () => {
    const errors: unknown[] = [];
    const first = new AnswerFirst({ clock: new ManualClock(), onError: (err) => errors.push(err) });
    const ran: string[] = [];
    first.defer(() => {
      throw new Error('boom');
    });
    first.defer(() => ran.push('b'));
    await turns(3);
    expect(ran).toEqual(['b']);
    expect(errors).toMatchObject([{ message: 'boom' }]);
  });
});
