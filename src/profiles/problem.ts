// One thing wrong (or worth a warning) in the profile file, by its path in the file.
export type ProblemPath = readonly (string | number)[];

export interface Problem {
  path: ProblemPath;
  message: string;
  severity: 'error' | 'warning';
  /** 1-based, when the path could be found in the file. */
  line?: number;
  column?: number;
}

export const error = (path: ProblemPath, message: string): Problem => ({ path, message, severity: 'error' });
export const warning = (path: ProblemPath, message: string): Problem => ({ path, message, severity: 'warning' });

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `agents.sales.tools[2].timeoutMs`; odd keys quoted: `dtmf.keys["0"]`. */
export function formatPath(path: ProblemPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

export function formatProblem(p: Problem, file?: string): string {
  const where = file === undefined ? '' : p.line === undefined ? `${file}: ` : `${file}:${p.line}:${p.column ?? 1}: `;
  const path = formatPath(p.path);
  return `${where}${p.severity === 'warning' ? 'warning: ' : ''}${path === '' ? '' : `${path}: `}${p.message}`;
}
