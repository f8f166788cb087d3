// Reads and edits a .env file in place: the named variables change, every other line
// (comments, blank lines, other variables, their order) stays as it was.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export type EnvValues = Record<string, string>;

/** `KEY=` or `export KEY=` at the start of a line. */
const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function readEnvText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export function parseEnvText(text: string): EnvValues {
  return parseEnv(text) as EnvValues;
}

/** Quotes only when the value needs it, so `parseEnv` reads back exactly the value. */
export function formatEnvValue(value: string): string {
  if (/^[A-Za-z0-9_+/=:.,@%-]*$/.test(value)) return value;
  if (!value.includes("'") && !value.includes('\n')) return `'${value}'`;
  if (!value.includes('"') && !value.includes('\\')) return `"${value.replaceAll('\n', '\\n')}"`;
  throw new TypeError('cannot write this value to a .env file (it has both quote kinds)');
}

/** How many lines an assignment spans: a quoted value may run over several. */
function assignmentLength(lines: readonly string[], start: number, rawValue: string): number {
  const quote = rawValue[0];
  if (quote !== '"' && quote !== "'" && quote !== '`') return 1;
  if (rawValue.indexOf(quote, 1) !== -1) return 1;
  for (let i = start + 1; i < lines.length; i++) if (lines[i]!.includes(quote)) return i - start + 1;
  return 1;
}

/**
 * Sets (string) or removes (null) variables. An existing assignment is replaced where
 * it stands (later duplicates go); a new one is appended at the end.
 */
export function editEnvText(text: string, changes: Readonly<Record<string, string | null>>): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const out: string[] = [];
  const done = new Set<string>();
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const m = assignment.exec(line);
    const key = m?.[1];
    if (!m || key === undefined || !(key in changes)) {
      out.push(line);
      i++;
      continue;
    }
    const span = assignmentLength(lines, i, m[2] ?? '');
    const value = changes[key];
    if (!done.has(key) && value !== null && value !== undefined) out.push(`${key}=${formatEnvValue(value)}`);
    done.add(key);
    i += span;
  }
  for (const [key, value] of Object.entries(changes)) {
    if (!done.has(key) && value !== null) out.push(`${key}=${formatEnvValue(value)}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * Writes only if the text changed (so a second run leaves the file as it was), through a
 * temporary file and a rename, keeping the file's mode; a new file is readable by its owner only.
 */
export function writeEnvFile(path: string, before: string, after: string): boolean {
  if (after === before) return false;
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o600;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, after, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
  return true;
}
