// `${VAR}` in string values pulls from the environment, so secrets stay out of the
// file. `${VAR:-default}` has a default; `$${` is a literal `${`. Keys are left alone.
import { error, type Problem, type ProblemPath } from './problem.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const VAR_NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export function interpolateString(text: string, env: Env): { value: string; problems: string[] } {
  const problems: string[] = [];
  const value = text.replace(REFERENCE, (match, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) {
      problems.push('"${" without a closing "}"');
      return match;
    }
    const m = VAR_NAME.exec(inner);
    if (!m) {
      problems.push(`"\${${inner}}" is not a variable reference (expected \${NAME} or \${NAME:-default})`);
      return match;
    }
    const found = env[m[1] as string];
    if (found !== undefined && found !== '') return found;
    if (m[2] !== undefined) return m[2];
    problems.push(`environment variable ${m[1]} is not set`);
    return '';
  });
  return { value, problems };
}

/** A copy of the parsed file with every string value interpolated. Never reports values. */
export function interpolateTree(value: unknown, env: Env, problems: Problem[], path: ProblemPath = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const r = interpolateString(value, env);
    for (const message of r.problems) problems.push(error(path, message));
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
