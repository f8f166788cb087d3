// zod issues → problems with plain messages (`expected a number`), paths kept.
import type { z } from 'zod';
import { error, type Problem } from './problem.ts';

const typeNames: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
  literal: 'a fixed value',
};

/** The per-parse error map: schema-level messages win over it. */
export function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${typeNames[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`;
      return `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `may have at most ${max} entries`;
      return `must be at most ${max}`;
    }
    case 'invalid_format':
      return issue.format === 'url' ? 'expected a URL' : `expected ${issue.format}`;
    default:
      return undefined;
  }
}

export function zodProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(error([...path, key], 'unknown key'));
    } else if (issue.code === 'invalid_key') {
      out.push(error(path, `bad key: ${issue.issues[0]?.message ?? issue.message}`));
    } else {
      out.push(error(path, issue.message));
    }
  }
  return out;
}
