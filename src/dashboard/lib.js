// The dashboard's pure helpers: no DOM, no network, so vitest runs them in Node. Types: lib.d.ts.

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream rules).
 * push() takes decoded text in chunks of any size; onEvent gets { event, data, id }
 * for each complete event. EventSource cannot send an Authorization header, so the
 * dashboard reads the stream with fetch() and parses it here.
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let sawCR = false; // the last chunk ended in \r: a \n starting the next one belongs to it
  let first = true;
  let event = '';
  let data = [];
  let lastEventId = '';
  /** @type {number | null} */
  let retryMs = null;

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id: lastEventId });
    event = '';
    data = [];
  };

  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // a comment (heartbeat)
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') {
      if (!value.includes('\0')) lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) retryMs = Number(value);
    }
  };

  return {
    push(chunk) {
      if (first && chunk.length > 0) {
        first = false;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      if (sawCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
      sawCR = false;
      buffer += chunk;
      const re = /\r\n|\r|\n/g;
      let start = 0;
      for (let m = re.exec(buffer); m; m = re.exec(buffer)) {
        // A \r at the very end may be the first half of \r\n: take it as the break, and drop a \n that follows.
        if (m[0] === '\r' && m.index === buffer.length - 1) sawCR = true;
        line(buffer.slice(start, m.index));
        start = m.index + m[0].length;
      }
      buffer = buffer.slice(start);
    },
    /** The stream closed: an event without its blank line is dropped, as the spec says. */
    end() {
      buffer = '';
      event = '';
      data = [];
    },
    get lastEventId() {
      return lastEventId;
    },
    get retryMs() {
      return retryMs;
    },
  };
}

/** 65_000 → "1:05", 3_723_000 → "1:02:03". Negative or missing → "0:00". */
export function formatDuration(ms) {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** How long the call has lasted: from the answer (or the webhook) to its end, or to now while live. */
export function callDurationMs(record, nowMs) {
  const start = Date.parse(record.acceptedAt ?? record.startedAt);
  if (Number.isNaN(start)) return 0;
  const end = record.endedAt ? Date.parse(record.endedAt) : nowMs;
  return Math.max(0, end - start);
}

export const outcomes = ['in_progress', 'completed', 'transferred', 'rejected', 'failed', 'missed'];

const outcomeLabels = {
  in_progress: 'Live',
  completed: 'Completed',
  transferred: 'Transferred',
  rejected: 'Rejected',
  failed: 'Failed',
  missed: 'Missed',
};

export function outcomeLabel(outcome) {
  return Object.hasOwn(outcomeLabels, outcome) ? outcomeLabels[outcome] : String(outcome);
}

/** `caller_hangup` → "caller hangup". */
export function humanize(code) {
  return code ? String(code).replaceAll('_', ' ') : '';
}

/**
 * The query string for GET /api/calls from the filter form's values. Empty values are
 * left out; from/to come from datetime-local inputs (local time) and go out as ISO 8601.
 */
export function callsQuery(filters, { cursor, limit } = {}) {
  const params = new URLSearchParams();
  for (const key of ['caller', 'dialed', 'outcome', 'q']) {
    const value = (filters[key] ?? '').trim();
    if (value) params.set(key, value);
  }
  for (const key of ['from', 'to']) {
    const value = (filters[key] ?? '').trim();
    if (value) params.set(key, localDateTimeToIso(value));
  }
  if (limit) params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** "2025-06-01T09:30" (a datetime-local value, local time) → ISO 8601 in UTC; unparseable text is passed on for the API to name. */
export function localDateTimeToIso(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/**
 * What an error answer from the operator API means for the page: the field it names
 * (a 400 names one: show the message beside that input) and a message to show as it is.
 */
export function describeApiError(status, body) {
  const b = body && typeof body === 'object' ? body : {};
  const message = typeof b.message === 'string' && b.message ? b.message : `the server answered ${status}`;
  const field = status === 400 && typeof b.field === 'string' ? b.field : null;
  return { status, code: typeof b.error === 'string' ? b.error : null, field, message };
}

/**
 * What a GET /api/calls without a token says about the API:
 * 401 → it is on (a token is needed); 404 api_disabled → API_TOKEN is not set;
 * any other 404 → this server has no operator API (no records store).
 */
export function apiAvailability(status, body) {
  if (status === 401 || (status >= 200 && status < 300)) return 'on';
  if (status === 404 && body && typeof body === 'object' && body.error === 'api_disabled') return 'off';
  if (status === 404) return 'absent';
  return 'unknown';
}

/**
 * Folds one timeline entry (an SSE event's data) into the transcript turns shown
 * for a live call. Returns the same array when nothing changed.
 */
export function applyToTranscript(turns, entry) {
  if (!entry || typeof entry !== 'object' || !entry.data) return turns;
  if (entry.type === 'transcript') {
    const { speaker, text, itemId, interrupted } = entry.data;
    if (turns.some((t) => t.seq === entry.seq)) return turns; // replayed after a reconnect
    return [
      ...turns,
      { seq: entry.seq, kind: 'turn', speaker, text: String(text ?? ''), itemId: itemId ?? null, interrupted: interrupted === true },
    ];
  }
  if (entry.type === 'transcript.interrupted') {
    let at = -1;
    for (let i = turns.length - 1; i >= 0; i--) {
      if (turns[i].kind === 'turn' && turns[i].itemId === entry.data.itemId) {
        at = i;
        break;
      }
    }
    if (at === -1 || turns[at].interrupted) return turns;
    return turns.map((t, i) => (i === at ? { ...t, interrupted: true } : t));
  }
  if (entry.type === 'operator.instructed') {
    if (turns.some((t) => t.seq === entry.seq)) return turns;
    return [
      ...turns,
      { seq: entry.seq, kind: 'note', speaker: 'supervisor', text: String(entry.data.text ?? ''), itemId: null, interrupted: false },
    ];
  }
  return turns;
}

/** A call id for the location hash (#/calls/ID) and back; null when the hash is not a call. */
export function callIdFromHash(hash) {
  const m = /^#\/calls\/(.+)$/.exec(hash ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

export function hashForCall(callId) {
  return `#/calls/${encodeURIComponent(callId)}`;
}

/** A tool's arguments or output as readable text: JSON pretty-printed, anything else as it is. */
export function prettyJson(value) {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2);
}

const ms = (value) => (typeof value === 'number' ? `${Math.round(value)} ms` : '? ms');

/**
 * A call's transcript with the supervisor's instructions (from the timeline) between the
 * turns, by time: what the detail view shows.
 */
export function transcriptWithNotes(transcript, timeline) {
  const lines = transcript.map((t) => ({ at: t.at, kind: 'turn', speaker: t.speaker, text: t.text, interrupted: t.interrupted === true }));
  for (const e of timeline) {
    if (e.type === 'operator.instructed')
      lines.push({ at: e.at, kind: 'note', speaker: 'supervisor', text: String(e.data?.text ?? ''), interrupted: false });
  }
  // Stable: turns and notes at the same millisecond keep their order.
  return lines
    .map((l, i) => [l, i])
    .sort(([a, i], [b, j]) => Date.parse(a.at) - Date.parse(b.at) || i - j)
    .map(([l]) => l);
}

/** One line about a timeline entry, for the detail view's timeline. */
export function timelineSummary(entry) {
  const d = entry.data ?? {};
  switch (entry.type) {
    case 'call.accepted':
      return `accepted${d.surface === 'live' ? ' on GPT-Live' : ''} for profile ${d.profile ?? '?'} after ${typeof d.answerMs === 'number' ? Math.round(d.answerMs) : '?'} ms${d.recording ? ', recorded' : ''}`;
    case 'control.connected':
      return d.attempt > 0 ? `control socket reconnected (attempt ${d.attempt})` : 'control socket connected';
    case 'control.reattached':
      return 'control taken over after a restart (no second greeting)';
    case 'control.reconnecting':
      return `control socket lost (code ${d.code ?? '?'}); reconnecting in ${d.delayMs ?? '?'} ms`;
    case 'transcript':
      return `${d.speaker ?? '?'}: ${d.text ?? ''}${d.interrupted ? ' (interrupted)' : ''}`;
    case 'transcript.interrupted':
      return 'the caller cut the agent off';
    case 'operator.instructed':
      return `supervisor: ${d.text ?? ''}`;
    case 'tool.called':
      return `tool ${d.name ?? '?'} called`;
    case 'tool.completed':
      return `tool ${d.name ?? '?'} ${d.error ? `failed: ${d.error}` : 'done'} in ${ms(d.durationMs)}`;
    case 'transfer.requested':
      return `transfer to ${d.target ?? '?'} requested`;
    case 'transfer.completed':
      return d.ok
        ? `transferred to ${d.target ?? '?'} in ${ms(d.durationMs)}`
        : `transfer to ${d.target ?? '?'} failed: ${d.error ?? 'unknown error'}`;
    case 'usage':
      return `tokens: ${d.usage?.totalTokens ?? '?'}`;
    case 'dtmf':
      return `keypad: ${d.digits ?? ''}${d.action ? ` → ${d.action}` : ''}`;
    case 'dtmf.sent':
      return `keypad tones sent: ${d.digits ?? ''}`;
    case 'usage.audio':
      return `audio: ${typeof d.seconds === 'number' ? d.seconds : '?'} s`;
    case 'error':
      return `error${d.code ? ` ${d.code}` : ''}: ${d.message ?? ''}`;
    case 'server_event.invalid':
      return `invalid ${d.eventType ?? '?'} event from OpenAI dropped: ${d.problem ?? ''}`;
    case 'call.ended':
      return `ended: ${humanize(d.reason)}`;
    case 'call.rejected':
      return `rejected ${d.statusCode ?? ''}: ${humanize(d.reason)}`;
    case 'call.failed':
      return `failed: ${d.message ?? ''}`;
    case 'greeting.requested':
      return 'greeting requested';
    case 'call.missed':
      return 'the caller left before the answer';
    default:
      return '';
  }
}
