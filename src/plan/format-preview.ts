// The routing preview as text, for `switchboard plan`.
import type { PlanPreview } from './preview-call.ts';

const firstLine = (text: string, max = 90): string => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

export function formatPreview(p: PlanPreview): string {
  const out: string[] = [];
  const row = (label: string, value: string) => out.push(`  ${label.padEnd(10)}${value}`);
  out.push(`A call from ${p.call.from ?? 'an anonymous caller'} to ${p.call.to}`);
  row('at', `${p.call.localTime} ${p.call.timeZone} (${p.call.at})`);
  row('screening', p.screening.verdict === 'passed' ? 'passed' : `rejected: ${p.screening.reason}`);
  row('route', p.route.name ?? (p.screening.verdict === 'passed' ? 'none matches' : '(not reached)'));
  if (p.hours) {
    const h = p.hours;
    if (h.schedule === null) row('hours', 'none: always open');
    else if (h.open) row('hours', `${h.schedule}: open`);
    else
      row(
        'hours',
        `${h.schedule}: closed${h.closure ? ` (${h.closure})` : ''}${h.nextOpening ? `, opens ${h.nextOpening}` : ''}; after hours: ${h.afterHours ?? 'reject 480'}`,
      );
  }
  row('agent', p.agent ? `${p.agent}${p.route.afterHours ? ' (the after-hours agent)' : ''}` : '—');
  if (p.decision.kind === 'reject') {
    row(
      'decision',
      `reject ${p.decision.statusCode} (${p.decision.reason}): POST /v1/realtime/calls/{call_id}/reject {"status_code":${p.decision.statusCode}}`,
    );
  } else {
    row(
      'decision',
      p.surface === 'live'
        ? 'accept on GPT-Live: POST /v1/live/sessions/{session_id}/accept with the body below'
        : 'accept: POST /v1/realtime/calls/{call_id}/accept with the body below',
    );
  }
  if (p.caps) {
    const cap = (n: number | null, live: number | null) => (n === null ? 'no cap' : `cap ${n}${live === null ? '' : `, ${live} live now`}`);
    row('caps', `overall ${cap(p.caps.overall, p.caps.liveOverall)}; ${p.agent} ${cap(p.caps.agent, p.caps.liveAgent)}`);
  }
  const headers = p.call.sipHeaders.filter((h) => !['from', 'to', 'call-id'].includes(h.name.toLowerCase()));
  if (headers.length > 0) row('headers', headers.map((h) => `${h.name}: ${h.value}`).join('; '));
  const body = p.acceptBody ?? p.liveAcceptBody;
  if (body) {
    row('greeting', p.greeting ?? '');
    row('tools', p.tools.length === 0 ? 'none' : p.tools.map((t) => t.name).join(', '));
    for (const t of p.tools) {
      out.push(`            ${t.name}: ${firstLine(t.description)}`);
      // transfer_call lists its destinations, each open or closed at this time.
      for (const line of t.description.split('\n').slice(1)) out.push(`              ${line}`);
    }
    const instructions = p.acceptBody ? p.acceptBody.instructions : p.liveAcceptBody?.session.instructions;
    out.push('', 'Instructions (rendered):', indent(instructions ?? '', '  '));
    out.push('', 'Accept body:', JSON.stringify(body, null, 2));
  }
  return `${out.join('\n')}\n`;
}
