// A call's analysis and cost, for the call's detail view. The builders (el, dl, …) are the
// detail view's own, passed in, so call data stays text, never markup.
import { formatUsd } from './stats-lib.js';

const statusText = { pending: 'queued (runs after the call)', done: 'done', failed: 'failed' };

/** Extracted fields as rows; nested objects dotted, anything else as JSON text. */
export function fieldRows(fields, prefix = '') {
  const rows = [];
  for (const [key, value] of Object.entries(fields ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) rows.push(...fieldRows(value, name));
    else rows.push([name, value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  return rows;
}

/**
 * @param {any} r the call record
 * @param {{ el: Function, dl: Function, empty: (text: string) => Node }} h
 */
export function analysisContent(r, h) {
  const a = r.analysis;
  if (!a) return h.empty('No analysis for this call (its agent has none, or nothing was said).');
  const parts = [];
  if (a.summary) parts.push(h.el('p', { className: 'analysis-summary', text: a.summary }));
  const rows = [
    ['Status', `${statusText[a.status] ?? a.status}${a.attempts > 1 ? ` after ${a.attempts} attempts` : ''}`],
    ['Success', a.success === null ? null : a.success ? 'yes' : 'no'],
    ...fieldRows(a.fields),
    ['Model', a.model],
  ];
  if (a.error) rows.push(['Last error', a.error]);
  parts.push(h.dl(rows));
  return h.el('div', { className: 'analysis' }, parts);
}

export function costContent(r, h) {
  const c = r.cost;
  if (!c) return h.empty(r.outcome === 'in_progress' ? 'Known when the call ends.' : 'Not priced (recorded before cost was tracked).');
  const model = r.model ? ` (${r.model})` : '';
  // A GPT-Live call is billed by its session's minutes, transcripts included.
  const rows =
    r.surface === 'live'
      ? [
          ['Total', formatUsd(c.totalUsd)],
          ['Live session', `${formatUsd(c.liveUsd)}${model}`],
        ]
      : [
          ['Total', formatUsd(c.totalUsd)],
          ['Realtime model', `${formatUsd(c.realtimeUsd)}${model}`],
          ['Transcription', `${formatUsd(c.transcriptionUsd)}${r.transcriptionModel ? ` (${r.transcriptionModel})` : ''}`],
        ];
  if (r.surface !== 'live' && c.liveUsd > 0) rows.push(['Live session', formatUsd(c.liveUsd)]);
  rows.push(['Analysis', formatUsd(c.analysisUsd)]);
  if (c.unpriced.length > 0) rows.push(['No price for', c.unpriced.join(', ')]);
  rows.push(['Prices as of', c.pricesCheckedOn]);
  return h.dl(rows);
}
