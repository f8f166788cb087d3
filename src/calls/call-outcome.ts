import type { EndReason } from './call-events.ts';

export type EndOutcome = 'completed' | 'transferred' | 'failed' | 'missed';

/** How an accepted call came out, from why it ended. Records and metrics share this. */
export function endOutcome(reason: EndReason, call: { transferred: boolean; connected: boolean }): EndOutcome {
  if (call.transferred || reason === 'transferred') return 'transferred';
  if (reason === 'control_lost' || reason === 'instance_lost') return 'failed';
  // 404 on the control socket before it ever opened: the caller left while it rang.
  if (reason === 'gone' && !call.connected) return 'missed';
  return 'completed';
}
