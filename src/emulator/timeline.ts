// A call's record as readable lines: `+   3.1 ms  accept   model=… voice=…`.
import type { CallRecord } from './call-record.ts';

export function formatTimeline(record: CallRecord): string {
  const entries = [...record.log].sort((a, b) => a.at - b.at);
  const lines = entries.map((e) => `+${(e.at - record.createdAt).toFixed(1).padStart(8)} ms  ${e.kind.padEnd(8)} ${e.text}`);
  const state = record.state === 'ended' ? `ended (${record.endedBy ?? '?'})` : record.state;
  const ids = record.surface === 'live' ? `${record.id} / ${record.liveSessionId}` : record.id;
  return [`call ${ids} "${record.scenarioName}": ${state}`, ...lines].join('\n');
}

export function formatTimelines(records: readonly CallRecord[]): string {
  return records.map(formatTimeline).join('\n\n');
}
