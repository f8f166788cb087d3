// The operator dashboard. Plain JavaScript, no build step; it uses only the operator API.
// Every piece of call data is put on the page with textContent: transcripts are untrusted.

import { analysisContent, costContent } from './call-insight.js';
import {
  apiAvailability,
  applyToTranscript,
  callDurationMs,
  callIdFromHash,
  callsQuery,
  createSseParser,
  describeApiError,
  formatDuration,
  hashForCall,
  humanize,
  outcomeLabel,
  prettyJson,
  timelineSummary,
  transcriptWithNotes,
} from './lib.js';
import { createOverview } from './overview.js';
import { createPlanView } from './plan.js';
import { checksSummary, isSetupHash, renderChecks } from './setup-page.js';

const TOKEN_KEY = 'switchboard.apiToken';
const LIVE_POLL_MS = 2000;
const DETAIL_POLL_MS = 2000;
const PAGE_SIZE = 25;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  /** @type {Map<string, LiveCard>} */
  live: new Map(),
  liveTimer: 0,
  filters: {},
  cursor: null,
  pages: 0,
  detailId: null,
  detailTimer: 0,
  detailRecord: null,
  running: false,
  setupRun: null,
};

class ApiError extends Error {
  constructor(info) {
    super(info.message);
    this.info = info;
  }
}

// ---------- DOM helpers (text only) ----------

/** Creates an element; `text` goes in as textContent, never as markup. */
function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

function setFieldError(input, errorNode, message) {
  errorNode.textContent = message ?? '';
  show(errorNode, Boolean(message));
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—');
const fmtClock = (iso) =>
  iso
    ? new Date(iso).toLocaleTimeString(undefined, {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        fractionalSecondDigits: 3,
        hour12: false,
      })
    : '—';
const orDash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

function badge(outcome) {
  return el('span', { className: `badge badge-${outcome}`, text: outcomeLabel(outcome) });
}

// ---------- the API ----------

async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError({ status: 0, code: 'network', field: null, message: 'cannot reach the server' });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (res.ok) return data;
  const info = describeApiError(res.status, data);
  if (res.status === 401) tokenRefused(info.message);
  else if (info.code === 'api_disabled') showUnavailable('off');
  throw new ApiError(info);
}

/** Reads an SSE body with fetch's stream (EventSource cannot send the Authorization header). */
async function readEventStream(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser(onEvent);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.push(decoder.decode(value, { stream: true }));
  }
  parser.push(decoder.decode());
  parser.end();
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });

// ---------- views ----------

const views = ['loading', 'unavailable', 'token-view', 'overview-view', 'app-view', 'plan-view', 'detail-view', 'setup-view'];
function showView(id) {
  for (const v of views) show($(v), v === id);
}

function showUnavailable(kind) {
  stopApp();
  const title = $('unavailable-title');
  const text = $('unavailable-text');
  const hint = $('unavailable-hint');
  if (kind === 'off') {
    title.textContent = 'The operator API is off';
    text.textContent =
      'This Switchboard server has no API_TOKEN set, so its operator API is turned off: calls cannot be listed, followed or steered from here.';
    hint.textContent =
      'To turn it on, set API_TOKEN to at least 16 random characters (for example the output of “openssl rand -hex 32”), restart Switchboard, then check again.';
  } else if (kind === 'absent') {
    title.textContent = 'This server has no operator API';
    text.textContent = 'Call records are off on this Switchboard server (it has no records store), and the operator API needs them.';
    hint.textContent = 'Start Switchboard with a records store (the default SQLite file in DATA_DIR, or DATABASE_URL) and API_TOKEN set.';
  } else {
    title.textContent = 'Cannot reach Switchboard';
    text.textContent = 'The server did not answer. It may be restarting.';
    hint.textContent = '';
  }
  $('connection').hidden = true;
  $('sign-out').hidden = true;
  showView('unavailable');
}

function showTokenPrompt(message) {
  stopApp();
  $('sign-out').hidden = true;
  $('connection').hidden = true;
  showView('token-view');
  const input = /** @type {HTMLInputElement} */ ($('token-input'));
  setFieldError(input, $('token-error'), message);
  input.focus();
}

function tokenRefused(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  showTokenPrompt(`The server refused the token: ${message}. Paste it again.`);
}

function setConnection(ok, text) {
  const node = $('connection');
  node.hidden = false;
  node.textContent = text;
  node.classList.toggle('connection-bad', !ok);
}

/** Asks the API, without a token, whether it is on at all. */
async function probe() {
  showView('loading');
  let status;
  let body = null;
  try {
    const res = await fetch('/api/calls?limit=1', { cache: 'no-store' });
    status = res.status;
    body = await res.json().catch(() => null);
  } catch {
    return showUnavailable('unreachable');
  }
  const availability = apiAvailability(status, body);
  if (availability !== 'on') return showUnavailable(availability === 'unknown' ? 'unreachable' : availability);
  if (!state.token) return showTokenPrompt();
  try {
    await api('/api/calls?limit=1');
  } catch {
    return; // api() already showed the token prompt or the notice
  }
  startApp();
}

async function onTokenSubmit(event) {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('token-input'));
  const token = input.value.trim();
  if (!token) return setFieldError(input, $('token-error'), 'Paste the API token first.');
  let res;
  try {
    res = await fetch('/api/calls?limit=1', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch {
    return setFieldError(input, $('token-error'), 'Cannot reach the server.');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    if (body?.error === 'api_disabled') return showUnavailable('off');
    return setFieldError(input, $('token-error'), describeApiError(res.status, body).message);
  }
  input.value = '';
  setFieldError(input, $('token-error'), null);
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  startApp();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  showTokenPrompt();
}

function startApp() {
  state.running = true;
  $('sign-out').hidden = false;
  $('nav').hidden = false;
  setConnection(true, 'Connected');
  route();
  void pollLive();
  void loadRecent(true);
}

function stopApp() {
  state.running = false;
  $('nav').hidden = true;
  clearTimeout(state.liveTimer);
  clearTimeout(state.detailTimer);
  for (const card of state.live.values()) card.remove();
  state.live.clear();
  updateLiveCount();
}

/** Which page the hash names: the overview opens first; #/calls (and a call's detail), #/plan, #/setup. */
function pageOf(hash) {
  if (isSetupHash(hash)) return 'setup';
  if (hash === '#/calls' || callIdFromHash(hash)) return 'calls';
  if (hash === '#/plan') return 'plan';
  return 'overview';
}

function route() {
  if (!state.running) return;
  clearTimeout(state.detailTimer);
  const page = pageOf(location.hash);
  for (const link of $('nav').querySelectorAll('a')) {
    if (link.dataset.nav === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (page === 'setup') {
    state.detailId = null;
    showView('setup-view');
    $('setup-title').focus();
    void runSetupChecks();
    return;
  }
  const id = callIdFromHash(location.hash);
  if (id) {
    showView('detail-view');
    if (state.detailId !== id) {
      state.detailId = id;
      state.detailRecord = null;
      $('detail-title').textContent = 'Loading call…';
      $('detail-outcome').hidden = true;
      $('detail-sub').textContent = '';
      $('detail-body').replaceChildren();
      $('detail-error').hidden = true;
      $('detail-title').focus();
    }
    void loadDetail(id);
    return;
  }
  state.detailId = null;
  showView(page === 'calls' ? 'app-view' : `${page}-view`);
  if (page === 'overview') overview.show();
  if (page === 'plan') planView.show();
}

const overview = createOverview({ api, describeError: (err) => (err instanceof ApiError ? err.info.message : String(err)) });
const planView = createPlanView({ api, errorInfo: (err) => (err instanceof ApiError ? err.info : null) });

// ---------- live calls ----------

async function pollLive() {
  clearTimeout(state.liveTimer);
  if (!state.running) return;
  try {
    const page = await api('/api/calls?outcome=in_progress&limit=50');
    const listed = new Set();
    let changed = false;
    for (const record of page.calls) {
      listed.add(record.callId);
      const card = state.live.get(record.callId);
      if (card) card.update(record);
      else {
        state.live.set(record.callId, new LiveCard(record));
        changed = true;
      }
    }
    for (const [id, card] of state.live) {
      if (!listed.has(id)) {
        card.remove();
        state.live.delete(id);
        changed = true;
      }
    }
    updateLiveCount();
    show($('live-error'), false);
    setConnection(true, 'Connected');
    // A call that started or ended changes the recent calls; refresh them unless the operator paged further.
    if (changed && state.pages <= 1) void loadRecent(true);
  } catch (err) {
    if (!state.running) return;
    const message = err instanceof ApiError ? err.info.message : String(err);
    $('live-error').textContent = `Could not refresh the live calls: ${message}`;
    show($('live-error'), true);
    setConnection(false, 'Reconnecting…');
  }
  if (state.running) state.liveTimer = setTimeout(pollLive, LIVE_POLL_MS);
}

function updateLiveCount() {
  const n = state.live.size;
  $('live-count').textContent = String(n);
  show($('live-empty'), n === 0);
}

let cardSerial = 0;

/** One live call: its card, its transcript stream, its actions. */
class LiveCard {
  constructor(record) {
    this.id = record.callId;
    this.record = record;
    this.lines = [];
    this.items = new Map(); // seq → <li>
    this.lastSeq = 0;
    this.ended = false;
    this.abort = new AbortController();
    const n = ++cardSerial;

    const tpl = /** @type {HTMLTemplateElement} */ ($('tpl-live-card'));
    this.node = /** @type {HTMLElement} */ (tpl.content.firstElementChild.cloneNode(true));
    this.node.dataset.callId = this.id;
    const q = (sel) => this.node.querySelector(sel);
    this.callerEl = q('.live-caller');
    this.metaEl = q('.live-meta');
    this.stateEl = q('.live-state');
    this.durationEl = q('.live-duration');
    this.transcriptEl = q('.transcript');
    this.transcriptBox = q('.transcript-box');
    this.emptyEl = q('.transcript-empty');
    this.statusEl = q('.card-status');
    this.errorEl = q('.card-error');
    this.hangupBtn = q('.hangup');

    const titleId = `live-${n}-title`;
    this.callerEl.id = titleId;
    this.node.setAttribute('aria-labelledby', titleId);
    this.transcriptBox.setAttribute('aria-label', 'Live transcript');
    q('.details-link').href = hashForCall(this.id);

    this.say = this.wireForm(q('.say-form'), q('.say-input'), q('.say-error'), `say-${n}`, 'say', 'text', (text) => ({
      ok: 'Instruction sent to the agent.',
      body: { text },
    }));
    this.transfer = this.wireForm(
      q('.transfer-form'),
      q('.transfer-input'),
      q('.transfer-error'),
      `transfer-${n}`,
      'transfer',
      'target',
      (target) => ({
        ok: null,
        body: { target },
      }),
    );
    this.hangupBtn.addEventListener('click', () => void this.hangup());

    this.update(record);
    $('live-list').append(this.node);
    void this.follow();
    void this.checkHere();
  }

  /** The list reads the store: a call can be in progress there yet controlled by no instance (left over, or being taken over). */
  async checkHere() {
    try {
      const detail = await api(`/api/calls/${encodeURIComponent(this.id)}`, { signal: this.abort.signal });
      if (detail.live || this.ended || detail.outcome !== 'in_progress') return;
      this.node.classList.add('elsewhere');
      this.status(
        'Not live: no instance controls it right now (it is being taken over, or was left over when a server stopped). Actions will be refused.',
      );
    } catch {
      // the poll shows connection problems
    }
  }

  update(record) {
    this.record = { ...this.record, ...record };
    const r = this.record;
    this.callerEl.textContent = r.caller ?? 'Unknown caller';
    this.metaEl.textContent =
      [r.dialed ? `to ${r.dialed}` : null, r.profile ? `profile ${r.profile}` : null].filter(Boolean).join(' · ') || ' ';
    this.tick(Date.now());
  }

  tick(nowMs) {
    this.durationEl.textContent = formatDuration(callDurationMs(this.record, nowMs));
  }

  wireForm(form, input, errorEl, id, action, field, build) {
    input.id = id;
    form.querySelector('label').htmlFor = id;
    errorEl.id = `${id}-error`;
    input.setAttribute('aria-describedby', errorEl.id);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      const { ok, body } = build(input.value);
      setFieldError(input, errorEl, null);
      this.setError(null);
      button.disabled = true;
      try {
        const res = await api(`/api/calls/${encodeURIComponent(this.id)}/${action}`, { method: 'POST', body });
        input.value = '';
        this.status(ok ?? `Transferring to ${res?.target ?? body[field]}…`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        // The API names the field of a bad request; a refused transfer (422, 502) is about the target too.
        if (err.info.field || (action === 'transfer' && (err.info.status === 422 || err.info.status === 502)))
          setFieldError(input, errorEl, err.info.message);
        else this.setError(err.info.message);
      } finally {
        button.disabled = this.ended;
      }
    });
    return { form, input };
  }

  async hangup() {
    const who = this.record.caller ?? 'this caller';
    if (!window.confirm(`Hang up the call with ${who}?`)) return;
    this.setError(null);
    this.hangupBtn.disabled = true;
    try {
      await api(`/api/calls/${encodeURIComponent(this.id)}/hangup`, { method: 'POST' });
      this.status('Hung up.');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.setError(err.info.message);
      this.hangupBtn.disabled = this.ended;
    }
  }

  status(text) {
    this.statusEl.textContent = text ?? '';
  }

  setError(text) {
    this.errorEl.textContent = text ?? '';
    show(this.errorEl, Boolean(text));
  }

  /** Follows the call's events; reconnects with Last-Event-ID until the stream says the call ended. */
  async follow() {
    let delayMs = 1000;
    const signal = this.abort.signal;
    while (!this.ended && !signal.aborted) {
      try {
        const headers = { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' };
        if (this.lastSeq > 0) headers['last-event-id'] = String(this.lastSeq);
        const res = await fetch(`/api/calls/${encodeURIComponent(this.id)}/events`, { headers, signal, cache: 'no-store' });
        if (res.status === 401) return tokenRefused(describeApiError(401, await res.json().catch(() => null)).message);
        if (res.ok && res.body) {
          await readEventStream(res.body, (e) => this.onEvent(e));
          delayMs = 1000;
        } else {
          this.setError(`Transcript stream: ${describeApiError(res.status, await res.json().catch(() => null)).message}`);
        }
      } catch {
        if (signal.aborted) return;
      }
      if (!this.ended) await sleep(delayMs, signal);
      delayMs = Math.min(delayMs * 2, 15_000);
    }
  }

  onEvent({ event, data }) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'end') return this.markEnded(payload.outcome, payload.endReason);
    if (typeof payload.seq === 'number') this.lastSeq = Math.max(this.lastSeq, payload.seq);
    this.setError(null);
    const next = applyToTranscript(this.lines, payload);
    if (next !== this.lines) this.renderLines(next);
    if (payload.type === 'transfer.completed') {
      const d = payload.data ?? {};
      this.status(d.ok ? `Transferred to ${d.target}.` : `Transfer failed: ${d.error ?? 'unknown error'}`);
    }
  }

  renderLines(next) {
    const box = this.transcriptBox;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    for (const line of next) {
      let li = this.items.get(line.seq);
      if (!li) {
        li = renderLine(line);
        this.items.set(line.seq, li);
        this.transcriptEl.append(li);
      } else if (line.interrupted && !li.classList.contains('interrupted')) {
        markInterrupted(li);
      }
    }
    this.lines = next;
    show(this.emptyEl, next.length === 0);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  markEnded(outcome, endReason) {
    if (this.ended) return;
    this.ended = true;
    this.node.classList.add('ended');
    this.stateEl.className = `badge badge-${outcome} live-state`;
    this.stateEl.textContent = `Ended · ${outcomeLabel(outcome)}`;
    this.record = { ...this.record, endedAt: this.record.endedAt ?? new Date().toISOString() };
    this.tick(Date.now());
    this.status(`The call ended${endReason ? ` (${humanize(endReason)})` : ''}.`);
    for (const control of this.node.querySelectorAll('.live-actions input, .live-actions button')) control.disabled = true;
  }

  remove() {
    this.abort.abort();
    this.node.remove();
  }
}

function renderLine(line) {
  const speaker = line.kind === 'note' ? 'Supervisor' : line.speaker === 'agent' ? 'Agent' : 'Caller';
  const li = el('li', { className: `line line-${line.kind === 'note' ? 'note' : line.speaker}` }, [
    el('span', { className: 'speaker', text: speaker }),
    el('span', { className: 'text', text: line.text }),
  ]);
  if (line.interrupted) markInterrupted(li);
  return li;
}

function markInterrupted(li) {
  li.classList.add('interrupted');
  li.append(
    el('span', { className: 'flag', text: 'interrupted', attrs: { title: 'The caller cut this turn off: not all of it was heard.' } }),
  );
}

// ---------- recent calls ----------

const filterFields = ['caller', 'dialed', 'outcome', 'from', 'to', 'q'];

function readFilters() {
  const filters = {};
  for (const key of filterFields) filters[key] = /** @type {HTMLInputElement} */ ($(`f-${key}`)).value;
  return filters;
}

function clearFilterErrors() {
  for (const key of filterFields) setFieldError($(`f-${key}`), $(`f-${key}-error`), null);
  show($('recent-error'), false);
}

async function loadRecent(reset) {
  if (!state.running) return;
  const query = callsQuery(state.filters, { cursor: reset ? null : state.cursor, limit: PAGE_SIZE });
  const more = $('load-more');
  more.disabled = true;
  try {
    const page = await api(`/api/calls${query}`);
    clearFilterErrors();
    const body = $('calls-body');
    const rows = page.calls.map(callRow);
    if (reset) {
      body.replaceChildren(...rows);
      state.pages = 1;
    } else {
      body.append(...rows);
      state.pages++;
    }
    state.cursor = page.nextCursor;
    show(more, Boolean(page.nextCursor));
    const none = body.childElementCount === 0;
    const filtered = Object.values(state.filters).some((v) => String(v ?? '').trim() !== '');
    $('calls-empty').textContent = filtered ? 'No calls match these filters.' : 'No calls yet.';
    show($('calls-empty'), none);
    show($('calls-table'), !none);
    $('calls-status').textContent = `${body.childElementCount} call${body.childElementCount === 1 ? '' : 's'} shown`;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const key = err.info.field;
    if (key && filterFields.includes(key)) setFieldError($(`f-${key}`), $(`f-${key}-error`), err.info.message);
    else {
      $('recent-error').textContent = `Could not load the calls: ${err.info.message}`;
      show($('recent-error'), true);
    }
  } finally {
    more.disabled = false;
  }
}

function callRow(r) {
  const link = el('a', { text: r.caller ?? 'Unknown caller', attrs: { href: hashForCall(r.callId) } });
  const cell = (label, content, className) => {
    const td = el('td', { className, attrs: { 'data-label': label } });
    td.append(content);
    return td;
  };
  const tr = el('tr', { attrs: { 'data-call-id': r.callId } }, [
    cell('Started', fmtTime(r.startedAt), 'nowrap'),
    cell('Caller', link, 'caller-cell'),
    cell('Dialed', orDash(r.dialed), 'nowrap'),
    cell('Profile', orDash(r.profile)),
    cell('Outcome', badge(r.outcome)),
    cell('Duration', r.endedAt || r.outcome === 'in_progress' ? formatDuration(callDurationMs(r, Date.now())) : '—', 'num'),
    cell('End reason', orDash(humanize(r.endReason))),
  ]);
  return tr;
}

// ---------- set-up ----------

/** Runs the server's set-up checks (one run at a time: each sends OpenAI a test webhook). */
async function runSetupChecks() {
  if (state.setupRun) return state.setupRun;
  const button = /** @type {HTMLButtonElement} */ ($('setup-run'));
  const status = $('setup-status');
  button.disabled = true;
  status.className = 'setup-status';
  status.textContent = 'Running the checks… (the test webhook can take a few seconds)';
  show($('setup-error'), false);
  state.setupRun = (async () => {
    try {
      const run = await api('/api/setup/checks', { method: 'POST' });
      renderChecks($('setup-checks'), run.checks);
      const summary = checksSummary(run.checks);
      status.className = `setup-status tone-${summary.tone}`;
      status.textContent = `${summary.text} · ${fmtTime(run.ranAt)}`;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status.textContent = '';
      $('setup-error').textContent = `Could not run the checks: ${err.info.message}`;
      show($('setup-error'), true);
    } finally {
      button.disabled = false;
      state.setupRun = null;
    }
  })();
  return state.setupRun;
}

/** The calls matching the filters as a CSV file: fetched with the token, handed to the browser as a download. */
async function exportCsv() {
  const query = callsQuery(state.filters, {});
  const res = await fetch(`/api/calls.csv${query}`, { headers: { authorization: `Bearer ${state.token}` }, cache: 'no-store' }).catch(
    () => null,
  );
  if (!res?.ok) {
    $('recent-error').textContent =
      `Could not export the calls: ${res ? describeApiError(res.status, await res.json().catch(() => null)).message : 'cannot reach the server'}`;
    show($('recent-error'), true);
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const link = el('a', {
    attrs: { href: url, download: /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'calls.csv' },
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------- one call ----------

/** A recorded GPT-Live call's recording is downloaded after it ends: look again for a few minutes. */
const RECORDING_WAIT_MS = 5 * 60_000;
function awaitingRecording(r, now) {
  return Boolean(r.recording && !r.recordingUrl && r.endedAt && now - Date.parse(r.endedAt) < RECORDING_WAIT_MS);
}

async function loadDetail(id) {
  try {
    const record = await api(`/api/calls/${encodeURIComponent(id)}`);
    if (state.detailId !== id) return;
    state.detailRecord = record;
    renderDetail(record);
    show($('detail-error'), false);
    if (record.outcome === 'in_progress' || awaitingRecording(record, Date.now())) {
      state.detailTimer = setTimeout(() => state.detailId === id && void loadDetail(id), DETAIL_POLL_MS);
    }
  } catch (err) {
    if (!(err instanceof ApiError) || state.detailId !== id) return;
    if (err.info.status === 404) $('detail-title').textContent = 'Call not found';
    $('detail-error').textContent = err.info.message;
    show($('detail-error'), true);
  }
}

function section(title, ...content) {
  const id = `d-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return el('section', { className: `panel detail-section ${id}`, attrs: { 'aria-labelledby': id } }, [
    el('h2', { text: title, attrs: { id } }),
    ...content,
  ]);
}

function dl(pairs) {
  const list = el('dl', { className: 'fields' });
  for (const [term, value] of pairs) {
    const dd = el('dd');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = orDash(value);
    list.append(el('div', { className: 'field-row' }, [el('dt', { text: term }), dd]));
  }
  return list;
}

function table(headers, rows, className = '') {
  const head = el(
    'tr',
    {},
    headers.map((h) => el('th', { text: h, attrs: { scope: 'col' } })),
  );
  const body = rows.map((cells) =>
    el(
      'tr',
      {},
      cells.map((c, i) => {
        const td = el('td', { attrs: { 'data-label': headers[i] } });
        if (c instanceof Node) td.append(c);
        else td.textContent = orDash(c);
        return td;
      }),
    ),
  );
  return el('div', { className: 'table-wrap' }, [
    el('table', { className: `grid ${className}` }, [el('thead', {}, [head]), el('tbody', {}, body)]),
  ]);
}

const pre = (text) => el('pre', { className: 'code', text });
const empty = (text) => el('p', { className: 'empty', text });

function renderDetail(r) {
  $('detail-title').textContent = `Call from ${r.caller ?? 'an unknown caller'}`;
  const outcome = $('detail-outcome');
  outcome.className = `badge badge-${r.outcome}`;
  outcome.textContent = r.live ? 'Live' : outcomeLabel(r.outcome);
  outcome.hidden = false;
  $('detail-sub').textContent = [r.dialed ? `to ${r.dialed}` : null, fmtTime(r.startedAt), r.profile ? `profile ${r.profile}` : null]
    .filter(Boolean)
    .join(' · ');

  const duration = r.acceptedAt ? formatDuration(callDurationMs(r, Date.now())) : '—';
  const summary = section(
    'Call',
    dl([
      ['Outcome', outcomeLabel(r.outcome)],
      ['End reason', humanize(r.endReason)],
      ['Caller', r.caller],
      ['Dialed', r.dialed],
      ['Profile', r.profile],
      ['Surface', r.surface === 'live' ? 'GPT-Live' : 'Realtime'],
      ['Duration', duration],
      ['Started', fmtTime(r.startedAt)],
      ['Accepted', fmtTime(r.acceptedAt)],
      ['Connected', fmtTime(r.connectedAt)],
      ['Ended', fmtTime(r.endedAt)],
      ['Answer time', r.answerMs === null ? null : `${Math.round(r.answerMs)} ms`],
      ['Reconnects', r.reconnects],
      ['Call ID', el('code', { text: r.callId })],
      ['SIP Call-ID', r.sipCallId ? el('code', { text: r.sipCallId }) : null],
    ]),
  );

  const transcript = r.transcript.length
    ? el(
        'ol',
        { className: 'transcript transcript-full' },
        transcriptWithNotes(r.transcript, r.timeline).map((line) => {
          const li = renderLine(line);
          li.prepend(el('time', { className: 'at', text: fmtClock(line.at), attrs: { datetime: line.at } }));
          return li;
        }),
      )
    : empty('Nothing was said.');

  const tools = r.tools.length
    ? table(
        ['Tool', 'Arguments', 'Output', 'Result', 'Duration'],
        r.tools.map((t) => [
          el('code', { text: t.name }),
          pre(prettyJson(t.arguments)),
          pre(prettyJson(t.output)),
          t.error ? el('span', { className: 'bad', text: t.error }) : t.durationMs === null ? 'running' : 'ok',
          t.durationMs === null ? null : `${Math.round(t.durationMs)} ms`,
        ]),
        'tools',
      )
    : empty('No tool calls.');

  const transfer = r.transfer
    ? dl([
        ['Target', el('code', { text: r.transfer.target || '(none)' })],
        ['Result', r.transfer.status === 'referred' ? 'referred (OpenAI passed the REFER to the carrier)' : r.transfer.status],
        ['Reason', r.transfer.reason ?? null],
        ['Error', r.transfer.error],
        ['Took', r.transfer.durationMs === null ? null : `${Math.round(r.transfer.durationMs)} ms`],
        ['At', fmtTime(r.transfer.at)],
      ])
    : empty('No transfer.');

  const usage = dl([
    ...(r.usageDetail?.liveSeconds ? [['Audio (GPT-Live)', `${r.usageDetail.liveSeconds.toLocaleString()} s`]] : []),
    ['Input tokens', r.usage.inputTokens.toLocaleString()],
    ['Output tokens', r.usage.outputTokens.toLocaleString()],
    ['Total tokens', r.usage.totalTokens.toLocaleString()],
  ]);

  // The link is signed and short-lived: an <audio> element cannot send the API token.
  const recording = r.recordingUrl
    ? el('div', { className: 'recording' }, [
        el('audio', {
          attrs: { controls: '', preload: 'none', src: r.recordingUrl, 'aria-label': 'Call recording (caller left, agent right)' },
        }),
        el('p', { className: 'hint' }, [
          el('a', { text: 'Download the WAV', attrs: { href: r.recordingUrl, download: `${r.callId}.wav` } }),
          ' · caller left, agent right',
        ]),
      ])
    : empty(r.endedAt ? 'The recording is not available yet.' : 'The recording is downloaded when the call ends.');

  const errors = r.errors.length
    ? el(
        'ul',
        { className: 'errors' },
        r.errors.map((e) =>
          el('li', {}, [
            el('time', { className: 'at', text: fmtClock(e.at), attrs: { datetime: e.at } }),
            el('span', { text: `${e.code ? `${e.code}: ` : ''}${e.message}` }),
          ]),
        ),
      )
    : empty('No errors.');

  const headers = r.sipHeaders.length
    ? el('details', {}, [
        el('summary', { text: `${r.sipHeaders.length} SIP headers` }),
        table(
          ['Name', 'Value'],
          r.sipHeaders.map((h) => [h.name, h.value]),
          'headers',
        ),
      ])
    : empty('No SIP headers.');

  const timeline = table(
    ['#', 'Time', 'Event', 'What'],
    r.timeline.map((e) => [String(e.seq), fmtClock(e.at), el('code', { text: e.type }), timelineSummary(e)]),
    'timeline',
  );

  $('detail-body').replaceChildren(
    el('div', { className: 'detail-main' }, [section('Transcript', transcript)]),
    el('div', { className: 'detail-side' }, [
      summary,
      ...(r.recording ? [section('Recording', recording)] : []),
      section('Analysis', analysisContent(r, { el, dl, empty })),
      section('Cost', costContent(r, { el, dl, empty })),
      section('Transfer', transfer),
      section('Usage', usage),
      section('Errors', errors),
    ]),
    el('div', { className: 'detail-wide' }, [section('Tool calls', tools), section('SIP', headers), section('Timeline', timeline)]),
  );
}

// ---------- wiring ----------

function init() {
  $('token-form').addEventListener('submit', onTokenSubmit);
  $('sign-out').addEventListener('click', signOut);
  $('retry').addEventListener('click', () => void probe());
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = readFilters();
    void loadRecent(true);
  });
  $('clear-filters').addEventListener('click', () => {
    for (const key of filterFields) /** @type {HTMLInputElement} */ ($(`f-${key}`)).value = '';
    clearFilterErrors();
    state.filters = {};
    void loadRecent(true);
  });
  $('refresh').addEventListener('click', () => void loadRecent(true));
  $('export-csv').addEventListener('click', () => void exportCsv());
  $('load-more').addEventListener('click', () => void loadRecent(false));
  $('setup-run').addEventListener('click', () => void runSetupChecks());
  window.addEventListener('hashchange', route);
  setInterval(() => {
    const now = Date.now();
    for (const card of state.live.values()) if (!card.ended) card.tick(now);
  }, 1000);
  void probe();
}

init();
