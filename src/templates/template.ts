// `{{ name }}` and `{{ name | fallback }}` templates, compiled once at load so a
// call only joins strings.

export type TemplateLookup = (name: string) => string | null | undefined;

export interface Template {
  readonly source: string;
  /** Variable names used, in order of first use. */
  readonly variables: readonly string[];
  render(lookup: TemplateLookup): string;
}

type Part = string | { name: string; fallback: string };

export type CompileResult = { ok: true; template: Template } | { ok: false; problems: string[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?$/;

/**
 * @param isKnown which variable names exist; an unknown one is a load-time error, not an empty string at call time.
 */
export function compileTemplate(source: string, isKnown: (name: string) => boolean): CompileResult {
  const parts: Part[] = [];
  const problems: string[] = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push(`unclosed "{{" at character ${open + 1}`);
      break;
    }
    if (open > pos) parts.push(source.slice(pos, open));
    const inner = source.slice(open + 2, close);
    const bar = inner.indexOf('|');
    const name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar < 0 ? '' : inner.slice(bar + 1).trim();
    if (!NAME.test(name)) problems.push(`"{{${inner}}}" is not a variable (expected {{ name }} or {{ name | fallback }})`);
    else if (!isKnown(name)) problems.push(`unknown variable "${name}"`);
    else parts.push({ name, fallback });
    pos = close + 2;
  }
  if (pos < source.length) parts.push(source.slice(pos));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, template: makeTemplate(source, mergeLiterals(parts)) };
}

function mergeLiterals(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (const part of parts) {
    const last = out.at(-1);
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part;
    else out.push(part);
  }
  return out;
}

function makeTemplate(source: string, parts: readonly Part[]): Template {
  const variables = [...new Set(parts.flatMap((p) => (typeof p === 'string' ? [] : [p.name])))];
  if (variables.length === 0) return { source, variables, render: () => source };
  return {
    source,
    variables,
    render(lookup) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else {
          const value = lookup(part.name);
          out += value === null || value === undefined || value === '' ? part.fallback : value;
        }
      }
      return out;
    },
  };
}
