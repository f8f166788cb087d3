import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/capture-logs.ts';
import type { CallDetail } from '../records/call-record.ts';
import type { CallEvent } from './call-events.ts';
import { reconcileCalls } from './reconcile-calls.ts';

const call = (callId: string) => ({ callId, profile: 'default', timeline: [], transcript: [] }) as unknown as CallDetail;

describe('reconcileCalls', () => {
  it('re-attaches the calls still alive and closes the rest as instance_lost, each once', async () => {
    const events: CallEvent[] = [];
    const restored: string[] = [];
    const asked: (string | undefined)[] = [];
    const result = await reconcileCalls({
      store: {
        inProgressCalls: async (opts) => {
          asked.push(opts?.owner);
          return [call('rtc_alive'), call('rtc_gone'), call('rtc_broken')];
        },
      },
      restore: (c) => restored.push(c.callId),
      reattach: async (c) => {
        if (c.callId === 'rtc_broken') throw new Error('boom');
        return c.callId === 'rtc_alive';
      },
      onEvent: (e) => events.push(e),
      log: captureLogs().logger,
      owner: 'host:3000',
      epochMs: () => 1_000,
    });
    expect(asked).toEqual(['host:3000']);
    expect(restored.sort()).toEqual(['rtc_alive', 'rtc_broken', 'rtc_gone']);
    expect(result).toEqual({ reattached: ['rtc_alive'], lost: expect.arrayContaining(['rtc_gone', 'rtc_broken']) });
    expect(events).toEqual([
      { type: 'call.ended', callId: 'rtc_gone', reason: 'instance_lost', endedAt: 1_000 },
      { type: 'call.ended', callId: 'rtc_broken', reason: 'instance_lost', endedAt: 1_000 },
    ]);
  });

  it('does nothing when no call was left in progress', async () => {
    const result = await reconcileCalls({
      store: { inProgressCalls: async () => [] },
      restore: () => undefined,
      reattach: async () => true,
      onEvent: () => undefined,
      log: captureLogs().logger,
    });
    expect(result).toEqual({ reattached: [], lost: [] });
  });
});
