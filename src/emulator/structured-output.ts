// A deterministic answer that fits a JSON schema, derived from the request's text (the
// call transcript), so post-call analysis can be tried and tested offline:
// - `summary`: what the caller said first, and how the call ended;
// - a boolean: true when a word of its name (4+ letters) occurs in what the caller said
//   (`success`: when the caller thanked the agent);
// - a string: an enum value the transcript mentions (else the first), a token matching
//   its pattern or format, else the caller's first words;
// - a number: the first number in the transcript within its bounds, else its minimum or 0.
// Nothing is random: the same transcript gives the same answer.

export interface TranscriptView {
  /** Everything the request said. */
  all: string;
  /** The caller's turns only. */
  caller: string[];
  outcome: string | null;
}

/** Reads the transcript the way Switchboard writes it ("[0:03] Caller: …", "- outcome: …"); any text works. */
export function readTranscript(text: string): TranscriptView {
  const caller = [...text.matchAll(/^(?:\[[^\]]*\]\s*)?Caller:\s*(.+)$/gim)].map((m) => (m[1] ?? '').trim()).filter(Boolean);
  const outcome = /^- outcome:\s*(.+)$/im.exec(text)?.[1]?.trim() ?? null;
  return { all: text, caller: caller.length > 0 ? caller : [text.trim()], outcome };
}

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const types = (s: Schema): string[] => (Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []);
const words = (name: string): string[] =>
  name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 4);

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function summary(t: TranscriptView): string {
  const first = clip(t.caller[0] ?? '', 160);
  const ended = t.outcome ? ` The call ended ${t.outcome}.` : '';
  const more = t.caller.length > 1 ? ` and ${t.caller.length - 1} more thing${t.caller.length > 2 ? 's' : ''}` : '';
  const stop = more || !/[.!?…]$/.test(first) ? '.' : '';
  return `The caller said: "${first}"${more}${stop}${ended}`;
}

function tokens(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/^[^\w+]+|[^\w]+$/g, ''))
    .filter(Boolean);
}

const formats: Record<string, { find: RegExp; fallback: string }> = {
  date: { find: /\b\d{4}-\d{2}-\d{2}\b/, fallback: '1970-01-01' },
  'date-time': { find: /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\b/, fallback: '1970-01-01T00:00:00Z' },
  time: { find: /\b\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})\b/, fallback: '00:00:00Z' },
  email: { find: /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/, fallback: 'unknown@example.com' },
  uuid: { find: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i, fallback: '00000000-0000-0000-0000-000000000000' },
};

function stringValue(s: Schema, name: string, t: TranscriptView, nullable: boolean): string | null {
  if (Array.isArray(s.enum)) {
    const options = s.enum.filter((v): v is string => typeof v === 'string');
    return options.find((v) => t.all.toLowerCase().includes(v.toLowerCase())) ?? options[0] ?? (nullable ? null : '');
  }
  if (typeof s.const === 'string') return s.const;
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern);
    const found = tokens(t.caller.join(' ')).find((w) => re.test(w)) ?? tokens(t.all).find((w) => re.test(w));
    if (found !== undefined) return found;
    return nullable ? null : '';
  }
  if (typeof s.format === 'string' && formats[s.format]) {
    const f = formats[s.format]!;
    return f.find.exec(t.all)?.[0] ?? (nullable ? null : f.fallback);
  }
  if (name === 'summary') return summary(t);
  return clip(t.caller[0] ?? '', 200);
}

function numberValue(s: Schema, integer: boolean, t: TranscriptView, nullable: boolean): number | null {
  const min = typeof s.minimum === 'number' ? s.minimum : -Infinity;
  const max = typeof s.maximum === 'number' ? s.maximum : Infinity;
  for (const m of t.caller.join(' ').matchAll(/-?\d+(?:\.\d+)?/g)) {
    const n = Number(m[0]);
    if ((!integer || Number.isInteger(n)) && n >= min && n <= max) return n;
  }
  if (nullable) return null;
  return Number.isFinite(min) ? min : Math.min(0, max);
}

function resolve(s: Schema, root: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return s;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = isObject(node) ? node[part] : undefined;
  return isObject(node) ? node : s;
}

/** A value for `schema` named `name`, from the transcript. */
export function structuredValue(schema: Schema, t: TranscriptView, name = '', root: Schema = schema): unknown {
  const s = resolve(schema, root);
  if (Array.isArray(s.anyOf)) {
    const alternatives = s.anyOf.filter(isObject).map((a) => resolve(a, root));
    const chosen = alternatives.find((a) => !types(a).includes('null')) ?? alternatives[0];
    return chosen ? structuredValue(chosen, t, name, root) : null;
  }
  const ts = types(s);
  const nullable = ts.includes('null');
  if (ts.includes('object') || isObject(s.properties)) {
    const props = isObject(s.properties) ? s.properties : {};
    return Object.fromEntries(Object.entries(props).map(([key, sub]) => [key, isObject(sub) ? structuredValue(sub, t, key, root) : null]));
  }
  if (ts.includes('array')) {
    const n = typeof s.minItems === 'number' ? s.minItems : 0;
    return Array.from({ length: n }, () => (isObject(s.items) ? structuredValue(s.items, t, name, root) : null));
  }
  if (ts.includes('boolean')) {
    if (name === 'success') return /\bthank/i.test(t.caller.join(' '));
    const said = t.caller.join(' ').toLowerCase();
    return words(name).some((w) => said.includes(w));
  }
  if (ts.includes('integer')) return numberValue(s, true, t, nullable);
  if (ts.includes('number')) return numberValue(s, false, t, nullable);
  if (ts.includes('string') || Array.isArray(s.enum)) return stringValue(s, name, t, nullable);
  return null;
}
