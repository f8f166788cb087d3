import { describe, expect, it } from 'vitest';
import { checkModels, reportedLifecycle } from './model-lifecycle.ts';

describe('model lifecycle warnings', () => {
  it('warns about a deprecated model before its shutdown, and louder after it', () => {
    expect(checkModels(['gpt-realtime', 'gpt-realtime-2.1'], { today: '2026-12-01' })).toEqual([
      { model: 'gpt-realtime', level: 'deprecated', message: expect.stringContaining('shuts down on 2027-01-20') },
    ]);
    const after = checkModels(['gpt-realtime-mini'], { today: '2027-01-20' });
    expect(after).toMatchObject([{ level: 'shutdown', message: expect.stringContaining('move to gpt-realtime-2.1-mini') }]);
  });

  it('prefers what the models API reports, and flags a model the key cannot see', () => {
    const listed = [{ id: 'gpt-realtime', shutdown_at: Date.UTC(2026, 10, 1) / 1000 }, { id: 'gpt-live-1' }];
    expect(checkModels(['gpt-realtime', 'gpt-live-1', 'gpt-realtime-2.1'], { today: '2026-12-01', listed })).toEqual([
      { model: 'gpt-realtime', level: 'shutdown', message: expect.stringContaining('2026-11-01 (per the models API)') },
      { model: 'gpt-realtime-2.1', level: 'unlisted', message: expect.stringContaining('not in the models API') },
    ]);
  });

  it('reads only date-shaped fields', () => {
    expect(reportedLifecycle({ id: 'x', created: 1 })).toBeNull();
    expect(reportedLifecycle({ id: 'x', deprecated: true })).toEqual({ deprecatedOn: '1970-01-01' });
  });
});
