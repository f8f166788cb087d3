// The overview page: a range, the headline figures, calls per hour by outcome (uPlot,
// served from this server), the top transfer reasons and the busiest numbers and profiles.
// Everything comes from one GET /api/stats; data goes on the page as text only.

import { headlineFigures, presetRange, rangePresets, stackedSeries, statsQuery } from './stats-lib.js';
import uPlot from './uPlot.esm.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * @param {{ api: (path: string) => Promise<any>, describeError: (err: unknown) => string }} deps
 */
export function createOverview(deps) {
  let preset = '24h';
  let custom = null;
  /** @type {uPlot | null} */
  let chart = null;
  let loading = 0;
  let resizeObserver = null;

  const select = /** @type {HTMLSelectElement} */ ($('ov-range'));
  for (const p of rangePresets) select.append(el('option', { text: p.label, attrs: { value: p.id } }));
  select.append(el('option', { text: 'Custom…', attrs: { value: 'custom' } }));
  select.value = preset;
  const customForm = $('ov-custom');
  select.addEventListener('change', () => {
    if (select.value === 'custom') {
      customForm.hidden = false;
      /** @type {HTMLInputElement} */ ($('ov-from')).focus();
      return;
    }
    customForm.hidden = true;
    preset = select.value;
    custom = null;
    void refresh();
  });
  customForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = Date.parse(/** @type {HTMLInputElement} */ ($('ov-from')).value);
    const to = Date.parse(/** @type {HTMLInputElement} */ ($('ov-to')).value);
    const error = $('ov-custom-error');
    if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
      error.textContent = 'Choose a start before the end.';
      error.hidden = false;
      return;
    }
    error.hidden = true;
    custom = { from, to };
    void refresh();
  });
  $('ov-refresh').addEventListener('click', () => void refresh());

  function range() {
    return custom ?? presetRange(preset, Date.now());
  }

  async function refresh() {
    const mine = ++loading;
    const status = $('ov-status');
    status.textContent = 'Loading…';
    let stats;
    try {
      stats = await deps.api(`/api/stats${statsQuery(range())}`);
    } catch (err) {
      if (mine !== loading) return;
      status.textContent = '';
      $('ov-error').textContent = `Could not load the overview: ${deps.describeError(err)}`;
      $('ov-error').hidden = false;
      return;
    }
    if (mine !== loading) return;
    $('ov-error').hidden = true;
    render(stats);
    const from = new Date(stats.from);
    const to = new Date(stats.to);
    status.textContent = `${from.toLocaleString()} – ${to.toLocaleString()}, by ${stats.bucket}`;
  }

  function render(stats) {
    $('ov-figures').replaceChildren(
      ...headlineFigures(stats).map((f) =>
        el('div', { className: `figure panel figure-${f.id}`, attrs: { 'data-figure': f.id } }, [
          el('p', { className: 'figure-label', text: f.label }),
          el('p', { className: 'figure-value', text: f.value }),
          el('p', { className: 'figure-note muted', text: f.note }),
        ]),
      ),
    );
    renderChart(stats);
    renderRanked($('ov-reasons'), stats.transfers.topReasons, '(no reason given)', 'No transfers in this range.');
    renderRanked($('ov-numbers'), stats.busiestNumbers, '(unknown)', 'No calls in this range.');
    renderRanked($('ov-profiles'), stats.busiestProfiles, '(none)', 'No answered calls in this range.');
  }

  function renderRanked(list, items, nullLabel, emptyText) {
    if (items.length === 0) {
      list.replaceChildren(el('li', { className: 'empty', text: emptyText }));
      return;
    }
    const max = Math.max(...items.map((i) => i.calls));
    list.replaceChildren(
      ...items.map((i) => {
        const bar = el('span', { className: 'rank-bar' });
        bar.style.width = `${Math.max(2, Math.round((i.calls / max) * 100))}%`;
        return el('li', { className: 'rank' }, [
          el('span', { className: 'rank-key', text: i.key ?? nullLabel }),
          el('span', { className: 'rank-count num', text: i.calls }),
          el('span', { className: 'rank-track' }, [bar]),
        ]);
      }),
    );
  }

  function renderChart(stats) {
    const s = stackedSeries(stats);
    $('ov-chart-title').textContent = stats.bucket === 'hour' ? 'Calls per hour' : 'Calls per day';
    const box = $('ov-chart');
    const empty = $('ov-chart-empty');
    chart?.destroy();
    chart = null;
    box.replaceChildren();
    renderTable(stats, s);
    empty.hidden = s.layers.length > 0;
    box.hidden = s.layers.length === 0;
    if (s.layers.length === 0) return;

    const text = css('--muted') || '#5d6b7c';
    const grid = css('--line') || '#dfe4ea';
    const hourly = stats.bucket === 'hour';
    const bars = uPlot.paths.bars({ size: [0.8, 48], gap: 1 });
    const opts = {
      width: Math.max(320, box.clientWidth),
      height: 280,
      // Integer counts from 0: the top of the axis is a whole number at least 1.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: hourly ? '{HH}:{mm}' : '{M}/{D}' },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
      ],
      legend: { live: true },
      cursor: { points: { show: false } },
      series: [
        {
          label: hourly ? 'Hour' : 'Day',
          value: (_u, v) =>
            v === null
              ? '—'
              : new Date(v * 1000 - s.bucketMs / 2).toLocaleString(
                  [],
                  hourly ? { weekday: 'short', hour: '2-digit', minute: '2-digit' } : { weekday: 'short', month: 'short', day: 'numeric' },
                ),
        },
        // Top of the stack first: each layer is drawn over the one before, down to the bottom one.
        ...s.layers.map((layer) => ({
          label: layer.label,
          fill: layer.color,
          stroke: layer.color,
          width: 0,
          paths: bars,
          points: { show: false },
          value: (_u, _v, _si, i) => (i === null || i === undefined ? '—' : String(layer.raw[i] ?? 0)),
        })),
      ],
    };
    chart = new uPlot(opts, [s.x, ...s.layers.map((l) => l.values)], box);
    box.dataset.outcomes = s.layers.map((l) => l.outcome).join(',');
    resizeObserver?.disconnect();
    resizeObserver = new ResizeObserver(() => {
      if (chart && box.clientWidth > 0) chart.setSize({ width: Math.max(320, box.clientWidth), height: 280 });
    });
    resizeObserver.observe(box);
  }

  /** The same numbers as a table, for screen readers and for reading exact counts. */
  function renderTable(stats, s) {
    const order = [...s.layers].reverse();
    const head = el('tr', {}, [
      el('th', { text: stats.bucket === 'hour' ? 'Hour' : 'Day', attrs: { scope: 'col' } }),
      ...order.map((l) => el('th', { text: l.label, attrs: { scope: 'col' } })),
    ]);
    const rows = s.starts
      .map((start, i) => ({ start, i }))
      .filter(({ i }) => order.some((l) => l.raw[i] > 0))
      .map(({ start, i }) =>
        el('tr', {}, [
          el('th', {
            text: new Date(start).toLocaleString(
              [],
              stats.bucket === 'hour'
                ? { weekday: 'short', hour: '2-digit', minute: '2-digit' }
                : { weekday: 'short', month: 'short', day: 'numeric' },
            ),
            attrs: { scope: 'row' },
          }),
          ...order.map((l) => el('td', { className: 'num', text: l.raw[i] })),
        ]),
      );
    $('ov-table').replaceChildren(el('thead', {}, [head]), el('tbody', {}, rows));
  }

  return {
    show() {
      void refresh();
    },
    refresh,
  };
}
