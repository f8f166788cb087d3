// The Set-up page: the checks `switchboard doctor` runs, run by the server itself
// (POST /api/setup/checks), so an operator sees at a glance why calls are not arriving.
// Messages name URLs and settings: put on the page as text only.

export const setupHash = '#/setup';

export function isSetupHash(hash) {
  return hash === setupHash;
}

export const statusLabels = { pass: 'Passed', warn: 'Warning', fail: 'Failed', skip: 'Not checked', info: 'To do' };

export function statusLabel(status) {
  return statusLabels[status] ?? String(status);
}

/** One line for the whole run: its tone and its words. */
export function checksSummary(checks) {
  const count = (status) => checks.filter((c) => c.status === status).length;
  const failures = count('fail');
  const warnings = count('warn');
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const warned = warnings ? `, ${plural(warnings, 'warning')}` : '';
  if (failures > 0) return { tone: 'fail', text: `${plural(failures, 'check')} failed${warned}` };
  if (warnings > 0) return { tone: 'warn', text: `Nothing failed${warned}` };
  return { tone: 'ok', text: 'All checks passed' };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Replaces the list's items with one per check. */
export function renderChecks(list, checks) {
  const items = checks.map((c) => {
    const li = el('li', `check check-${c.status}`);
    li.dataset.check = c.id;
    const body = el('div', 'check-body');
    const head = el('div', 'check-head');
    head.append(el('h2', 'check-title', c.title), el('span', `badge badge-check-${c.status}`, statusLabel(c.status)));
    body.append(head);
    if (c.status === 'fail' || c.status === 'warn') body.append(el('p', 'check-step', c.step));
    body.append(el('p', 'check-message', c.message));
    if (c.fix) {
      const fix = el('p', 'check-fix');
      fix.append(el('strong', null, 'Fix: '), document.createTextNode(c.fix));
      body.append(fix);
    }
    li.append(body);
    return li;
  });
  list.replaceChildren(...items);
}
