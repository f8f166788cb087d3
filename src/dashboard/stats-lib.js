// The overview's and the routing preview's pure helpers: no DOM, no network, so vitest
// runs them in Node. Types: stats-lib.d.ts.

const hourMs = 3_600_000;

/** Bottom to top in the stacked chart; each with the colour its bar segment is drawn in. */
export const outcomeStack = [
  { outcome: 'completed', label: 'Completed', color: '#2f6fed' },
  { outcome: 'transferred', label: 'Transferred', color: '#e39b13' },
  { outcome: 'in_progress', label: 'Live', color: '#1e9f5f' },
  { outcome: 'missed', label: 'Missed', color: '#8b98a9' },
  { outcome: 'rejected', label: 'Rejected', color: '#d8434f' },
  { outcome: 'failed', label: 'Failed', color: '#8e3fb8' },
];

export const rangePresets = [
  { id: '24h', label: 'Last 24 hours' },
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
];

function startOfLocalDay(ms) {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function addLocalDays(ms, days) {
  const d = new Date(ms);
  d.setDate(d.getDate() + days);
  return d.getTime();
}

/** The next full local hour at or after ms (buckets line up with the clock the operator reads). */
function ceilLocalHour(ms) {
  const d = new Date(ms);
  if (d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0) return ms;
  d.setMinutes(60, 0, 0);
  return d.getTime();
}

/** { from, to, bucket } in epoch ms for a preset, in the browser's time zone. */
export function presetRange(id, nowMs) {
  switch (id) {
    case 'today': {
      const from = startOfLocalDay(nowMs);
      return { from, to: addLocalDays(from, 1), bucket: 'hour' };
    }
    case '7d': {
      const to = ceilLocalHour(nowMs);
      return { from: to - 7 * 24 * hourMs, to, bucket: 'hour' };
    }
    case '30d': {
      const to = addLocalDays(startOfLocalDay(nowMs), 1);
      return { from: addLocalDays(to, -30), to, bucket: 'day' };
    }
    default: {
      const to = ceilLocalHour(nowMs);
      return { from: to - 24 * hourMs, to, bucket: 'hour' };
    }
  }
}

/** The query string for GET /api/stats. */
export function statsQuery(range) {
  const params = new URLSearchParams({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
  if (range.bucket) params.set('bucket', range.bucket);
  return `?${params}`;
}

/**
 * The chart's data: x (bucket middles, in seconds, as uPlot wants) and one layer per outcome
 * that has calls, top of the stack first. Each layer's `values` are the running totals up to
 * and including it, so drawing the layers in this order, each over the last, stacks them;
 * `raw` keeps the counts for the legend and the table.
 */
export function stackedSeries(stats) {
  const starts = stats.series.starts.map((s) => Date.parse(s));
  const bucketMs = stats.bucket === 'day' ? 24 * hourMs : hourMs;
  const x = starts.map((s) => (s + bucketMs / 2) / 1000);
  const present = outcomeStack.filter((o) => (stats.series.byOutcome[o.outcome] ?? []).some((n) => n > 0));
  const running = starts.map(() => 0);
  const layers = present.map((o) => {
    const raw = stats.series.byOutcome[o.outcome].slice();
    raw.forEach((n, i) => (running[i] += n));
    return { ...o, raw, values: running.slice() };
  });
  return { x, starts, bucketMs, layers: layers.reverse(), max: Math.max(0, ...running) };
}

export function formatUsd(value) {
  if (value === null || value === undefined) return '—';
  // Small amounts (one call's transcription) keep their significant digits: $0.000012.
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(6).replace(/0+$/, '')}`;
  return `$${value.toFixed(value >= 100 ? 0 : 2)}`;
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return `${Math.round(ratio * 1000) / 10}%`;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The headline figures, each a label, a value and a note, from a GET /api/stats answer. */
export function headlineFigures(stats) {
  const analysed = stats.analysis.success + stats.analysis.failure;
  const seconds = stats.duration.averageSeconds;
  return [
    { id: 'calls', label: 'Calls', value: String(stats.totals.calls), note: `${stats.totals.answered} answered` },
    {
      id: 'answer',
      label: 'Answer time p50 / p95',
      value: `${formatMs(stats.answerMs.p50)} / ${formatMs(stats.answerMs.p95)}`,
      note: `webhook → accept, ${stats.answerMs.count} calls`,
    },
    { id: 'transfers', label: 'Transfer rate', value: formatPercent(stats.transfers.rate), note: `${stats.transfers.count} transferred` },
    {
      id: 'duration',
      label: 'Average duration',
      value: seconds === null ? '—' : `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`,
      note: `${stats.duration.count} answered calls`,
    },
    { id: 'cost', label: 'Average cost', value: formatUsd(stats.cost.averageUsd), note: `${formatUsd(stats.cost.totalUsd)} in all` },
    {
      id: 'success',
      label: 'Success',
      value: analysed === 0 ? '—' : formatPercent(stats.analysis.success / analysed),
      note: `${analysed} judged by the analysis`,
    },
  ];
}

/** "X-Account-Id: 42" (or "=") per line → [{ name, value }]; the first bad line is named. */
export function parseHeaderLines(text) {
  const headers = [];
  const lines = String(text ?? '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9!%*_+`'~.-]+)\s*[:=]\s?(.*)$/.exec(line);
    if (!m) return { headers, error: `line ${i + 1}: expected Name: value` };
    headers.push({ name: m[1], value: m[2] });
  }
  return { headers, error: null };
}

/** The POST /api/plan body from the preview form's values. */
export function planRequest(form) {
  const from = String(form.from ?? '').trim();
  const body = { from: from === '' || from.toLowerCase() === 'anonymous' ? null : from, to: String(form.to ?? '').trim() };
  const at = String(form.at ?? '').trim();
  if (at) body.at = at;
  const { headers, error } = parseHeaderLines(form.headers);
  if (headers.length > 0) body.headers = headers;
  return { body, error };
}
