import { describe, expect, it } from 'vitest';
import { checksSummary, isSetupHash, statusLabel } from './setup-page.js';

describe('the Set-up page helpers', () => {
  it('sums a run up: failures first, then warnings', () => {
    expect(checksSummary([{ status: 'pass' }, { status: 'info' }, { status: 'skip' }])).toEqual({ tone: 'ok', text: 'All checks passed' });
    expect(checksSummary([{ status: 'pass' }, { status: 'warn' }])).toEqual({ tone: 'warn', text: 'Nothing failed, 1 warning' });
    expect(checksSummary([{ status: 'fail' }, { status: 'fail' }, { status: 'warn' }, { status: 'warn' }])).toEqual({
      tone: 'fail',
      text: '2 checks failed, 2 warnings',
    });
  });

  it('labels statuses in words and knows its route', () => {
    expect(['pass', 'warn', 'fail', 'skip', 'info'].map(statusLabel)).toEqual(['Passed', 'Warning', 'Failed', 'Not checked', 'To do']);
    expect(isSetupHash('#/setup')).toBe(true);
    expect(isSetupHash('#/calls/rtc_1')).toBe(false);
  });
});
