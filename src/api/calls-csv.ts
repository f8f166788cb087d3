// A filtered list of calls as CSV: one row a call, one column per extracted field.
import type { CallRecord } from '../records/call-record.ts';

const baseColumns: readonly [string, (c: CallRecord) => unknown][] = [
  ['callId', (c) => c.callId],
  ['startedAt', (c) => c.startedAt],
  ['endedAt', (c) => c.endedAt],
  ['caller', (c) => c.caller],
  ['dialed', (c) => c.dialed],
  ['profile', (c) => c.profile],
  ['outcome', (c) => c.outcome],
  ['endReason', (c) => c.endReason],
  [
    'durationSeconds',
    (c) => (c.acceptedAt && c.endedAt ? Math.round((Date.parse(c.endedAt) - Date.parse(c.acceptedAt)) / 100) / 10 : null),
  ],
  ['answerMs', (c) => (c.answerMs === null ? null : Math.round(c.answerMs * 10) / 10)],
  ['transferTarget', (c) => c.transfer?.target ?? null],
  ['transferReason', (c) => c.transfer?.reason ?? null],
  ['costUsd', (c) => c.cost?.totalUsd ?? null],
  ['analysis', (c) => c.analysis?.status ?? null],
  ['success', (c) => c.analysis?.success ?? null],
  ['summary', (c) => c.analysis?.summary ?? null],
];

/** Nested objects become dotted columns (`customer.name`); arrays stay JSON. */
function flatten(value: Record<string, unknown>, prefix = '', into: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, into);
    else into.set(name, v);
  }
  return into;
}

// A cell a spreadsheet would run as a formula gets a leading quote. Phone numbers (+1919…) and plain numbers stay as they are.
function defuse(text: string): string {
  if (/^[=@\t\r]/.test(text)) return `'${text}`;
  if (/^[+-]/.test(text) && !/^[+-]?\d[\d.]*$/.test(text)) return `'${text}`;
  return text;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = defuse(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function callsCsv(calls: readonly CallRecord[]): string {
  const fields = calls.map((c) => flatten(c.analysis?.fields ?? {}));
  const fieldNames = [...new Set(fields.flatMap((f) => [...f.keys()]))].sort();
  const header = [...baseColumns.map(([name]) => name), ...fieldNames.map((n) => `field.${n}`)];
  const rows = calls.map((c, i) =>
    [...baseColumns.map(([, get]) => get(c)), ...fieldNames.map((n) => fields[i]?.get(n))].map(csvCell).join(','),
  );
  return `${[header.join(','), ...rows].join('\r\n')}\r\n`;
}
