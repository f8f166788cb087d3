// Compares a call's record with a scenario's `expect`; each unmet expectation is one readable line.
import type { CallRecord } from './call-record.ts';
import type { ScenarioExpect } from './scenario.ts';

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

export function checkExpectations(record: CallRecord, expect: ScenarioExpect): string[] {
  const unmet: string[] = [];
  const compare = (label: string, wanted: unknown, actual: unknown): void => {
    if (wanted !== undefined && wanted !== actual) unmet.push(`${label}: expected ${show(wanted)}, got ${show(actual)}`);
  };

  compare(
    'accepted',
    expect.accepted,
    record.accepts.some((a) => a.status === 200),
  );
  const greeting = record.greetingRequestedAt;
  compare('greeted', expect.greeted, greeting !== undefined && (record.stepsStartedAt === undefined || greeting <= record.stepsStartedAt));
  compare('referTarget', expect.referTarget, record.refers.find((r) => r.status === 200)?.targetUri);
  compare(
    'hungUp',
    expect.hungUp,
    record.hangups.some((h) => h.status === 200),
  );
  compare('endedBy', expect.endedBy, record.endedBy);
  compare(
    'functionOutputs',
    expect.functionOutputs,
    record.functionCalls.reduce((n, f) => n + f.outputs.length, 0),
  );
  compare('errorEvents', expect.errorEvents, record.errorEvents.length);
  compare('connections', expect.connections, record.connectionCount);
  compare('acceptRequests', expect.acceptRequests, record.accepts.filter((a) => a.status !== 401).length);
  compare('surface', expect.surface, record.surface);
  compare('dtmfSent', expect.dtmfSent, record.dtmfSent.map((d) => d.digit).join(''));
  compare('fixtures', expect.fixtures, record.fixtures.length);
  compare('closeReason', expect.closeReason, record.closeReason);
  compare(
    'recordingDownloaded',
    expect.recordingDownloaded,
    record.recordingDownloads.some((r) => r.status === 200),
  );
  if (expect.rejectStatus !== undefined) {
    const rejected = record.rejects.find((r) => r.status === 200);
    const body = rejected?.body as { status_code?: unknown } | undefined;
    // Realtime's reject defaults to 603; Live's requires the status.
    compare('rejectStatus', expect.rejectStatus, rejected ? (body?.status_code ?? 603) : undefined);
  }
  const transcript = record.transcript
    .map((l) => l.text)
    .join('\n')
    .toLowerCase();
  for (const phrase of expect.transcriptIncludes ?? []) {
    if (!transcript.includes(phrase.toLowerCase())) unmet.push(`transcriptIncludes: "${phrase}" was not said`);
  }
  return unmet;
}
