// The routing preview page: POST /api/plan with a caller, a number, a time and headers,
// and what the server would do, shown as text (the accept body as the JSON it would send).
import { planRequest } from './stats-lib.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

const fields = ['from', 'to', 'at', 'headers'];

function setError(name, message) {
  const input = $(`pl-${name}`);
  const error = $(`pl-${name}-error`);
  error.textContent = message ?? '';
  error.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/**
 * @param {{ api: (path: string, init?: { method?: string, body?: unknown }) => Promise<any>, errorInfo: (err: unknown) => { field: string | null, message: string } | null }} deps
 */
export function createPlanView(deps) {
  const form = $('plan-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const f of fields) setError(f, null);
    $('pl-error').hidden = true;
    const values = Object.fromEntries(fields.map((f) => [f, /** @type {HTMLInputElement} */ ($(`pl-${f}`)).value]));
    const { body, error } = planRequest(values);
    if (error) return setError('headers', error);
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      render(await deps.api('/api/plan', { method: 'POST', body }));
    } catch (err) {
      const info = deps.errorInfo(err);
      if (!info) throw err;
      const field = info.field?.split('.')[0];
      if (field && fields.includes(field)) setError(field, info.message);
      else {
        $('pl-error').textContent = info.message;
        $('pl-error').hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });

  function render(p) {
    const accepted = p.decision.kind === 'accept';
    const hours = !p.hours
      ? 'no opening hours on this route'
      : p.hours.schedule === null
        ? 'no schedule: always open'
        : p.hours.open
          ? `${p.hours.schedule}: open`
          : `${p.hours.schedule}: closed${p.hours.closure ? ` (${p.hours.closure})` : ''}${p.hours.nextOpening ? `, opens ${p.hours.nextOpening}` : ''}; after hours: ${p.hours.afterHours ?? 'reject 480'}`;
    const rows = [
      ['When', `${p.call.localTime} ${p.call.timeZone}`],
      ['Screening', p.screening.verdict === 'passed' ? 'passed' : `rejected: ${p.screening.reason}`],
      ['Route', p.route.name ?? (p.hours ? '—' : 'the environment’s agent (no profile file)')],
      ['Hours', hours],
      ['Agent', p.agent ? `${p.agent}${p.surface === 'live' ? ' (GPT-Live)' : ''}` : '—'],
      ['Decision', accepted ? 'accept' : `reject ${p.decision.statusCode} (${p.decision.reason})`],
    ];
    if (p.caps)
      rows.push([
        'Caps',
        `overall ${p.caps.overall ?? 'none'}${p.caps.liveOverall === null ? '' : ` (${p.caps.liveOverall} live)`}; agent ${p.caps.agent ?? 'none'}${p.caps.liveAgent === null ? '' : ` (${p.caps.liveAgent} live)`}`,
      ]);
    const list = el(
      'dl',
      { className: 'fields' },
      rows.map(([k, v]) => el('div', { className: 'field-row' }, [el('dt', { text: k }), el('dd', { text: v })])),
    );
    const verdict = el('p', {
      className: `plan-verdict ${accepted ? 'plan-accept' : 'plan-reject'}`,
      text: accepted ? `Accepted by ${p.agent}` : `Rejected with ${p.decision.statusCode}`,
    });
    const parts = [verdict, list];
    const body = p.acceptBody ?? p.liveAcceptBody;
    if (body) {
      parts.push(
        el('h3', { text: 'Greeting' }),
        el('p', { className: 'plan-greeting', text: p.greeting }),
        el('h3', { text: 'Tools' }),
        el(
          'ul',
          { className: 'plan-tools' },
          p.tools.map((t) =>
            el('li', {}, [el('code', { text: t.name }), el('span', { className: 'muted', text: ` ${t.description.split('\n')[0]}` })]),
          ),
        ),
        el('h3', { text: 'Instructions' }),
        el('pre', {
          className: 'code plan-instructions',
          text: (p.acceptBody ? p.acceptBody.instructions : p.liveAcceptBody.session.instructions) ?? '',
        }),
        el('h3', { text: p.acceptBody ? 'Accept body' : 'Accept body (GPT-Live)' }),
        el('pre', { className: 'code plan-body', text: JSON.stringify(body, null, 2) }),
      );
    }
    $('plan-result').replaceChildren(...parts);
    $('plan-result').hidden = false;
  }

  return {
    show() {
      /** @type {HTMLInputElement} */ ($('pl-from')).focus();
    },
  };
}
