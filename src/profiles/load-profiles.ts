// switchboard.yaml → compiled profiles, or every problem with its path and line.
// parse YAML → ${VAR} → zod → cross-references → compile.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { AgentDefaults } from './agent-defaults.ts';
import { checkReferences } from './check-references.ts';
import { type CompileDeps, type CompiledProfiles, compileProfiles } from './compile-profiles.ts';
import { type Env, interpolateTree } from './interpolate.ts';
import { locate } from './locate.ts';
import { formatPath, type Problem } from './problem.ts';
import { profilesFileSchema } from './schema.ts';
import { plainMessage, zodProblems } from './zod-problems.ts';

export type LoadResult =
  | { ok: true; profiles: CompiledProfiles; warnings: Problem[] }
  | { ok: false; problems: Problem[]; warnings: Problem[] };

export interface LoadOptions extends Omit<CompileDeps, 'baseDir' | 'readFile' | 'defaults'> {
  env: Env;
  defaults: AgentDefaults;
  baseDir?: string;
  readFile?: (path: string) => string;
}

const split = (problems: Problem[]) => ({
  errors: problems.filter((p) => p.severity === 'error'),
  warnings: problems.filter((p) => p.severity === 'warning'),
});

export function loadProfilesText(text: string, opts: LoadOptions): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    // Later syntax errors are usually echoes of the first: report that one.
    const pos = lineCounter.linePos(syntax.pos[0]);
    const lineText = text.split('\n')[pos.line - 1] ?? '';
    const hint = /[[{].*\$\{/.test(lineText) ? ' (inside { } or [ ], put ${VAR} in quotes: "${VAR}")' : '';
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more after it)` : '';
    return {
      ok: false,
      problems: [
        { path: [], message: `YAML: ${syntax.message.split('\n')[0]}${hint}${more}`, severity: 'error', line: pos.line, column: pos.col },
      ],
      warnings: [],
    };
  }
  const problems: Problem[] = [];
  const data = interpolateTree(doc.toJS({ maxAliasCount: 1_000 }) ?? {}, opts.env, problems);
  const parsed = profilesFileSchema.safeParse(data, { error: plainMessage });
  if (!parsed.success) {
    // A value left empty by a missing ${VAR} is reported once, as the missing variable.
    const interpolated = new Set(problems.map((p) => formatPath(p.path)));
    for (const p of zodProblems(parsed.error.issues)) if (!interpolated.has(formatPath(p.path))) problems.push(p);
  } else {
    problems.push(...checkReferences(parsed.data, opts.defaults.carrierAllowedHosts));
  }
  if (parsed.success && split(problems).errors.length === 0) {
    const profiles = compileProfiles(
      parsed.data,
      { ...opts, baseDir: opts.baseDir ?? process.cwd(), readFile: opts.readFile ?? ((p) => readFileSync(p, 'utf8')) },
      problems,
    );
    const { errors, warnings } = split(locate(problems, doc, lineCounter));
    return errors.length === 0 ? { ok: true, profiles, warnings } : { ok: false, problems: errors, warnings };
  }
  const { errors, warnings } = split(locate(problems, doc, lineCounter));
  return { ok: false, problems: errors, warnings };
}

export function loadProfilesFile(path: string, opts: LoadOptions): LoadResult {
  let text: string;
  try {
    text = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    return {
      ok: false,
      problems: [{ path: [], message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, severity: 'error' }],
      warnings: [],
    };
  }
  return loadProfilesText(text, { ...opts, baseDir: opts.baseDir ?? dirname(path) });
}
