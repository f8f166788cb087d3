// An agent's `analysis` key, checked the way tool parameters are (ajv, strict) and
// against the rules of strict structured outputs, so the API never refuses it later.
import { error, type Problem } from '../profiles/problem.ts';
import type { createSchemaCompiler } from '../tools/json-schema.ts';
import { type AnalysisSpec, outputSchema } from './analysis-spec.ts';
import { strictSchemaProblems } from './strict-schema.ts';

export interface AnalysisInput {
  summary: boolean;
  fields?: Record<string, unknown> | undefined;
  successCriteria?: string | undefined;
  model?: string | undefined;
}

export function compileAnalysis(
  at: (string | number)[],
  input: AnalysisInput,
  deps: { compileSchema: ReturnType<typeof createSchemaCompiler>; defaultModel: string; business: string | null },
  problems: Problem[],
): AnalysisSpec | null {
  const before = problems.length;
  const fields = input.fields ?? null;
  if (!input.summary && !fields && !input.successCriteria) {
    problems.push(error(at, 'analysis asks for nothing: set summary: true, fields or successCriteria'));
  }
  if (fields) {
    const where = [...at, 'fields'];
    if (fields.type !== 'object') {
      problems.push(error([...where, 'type'], 'fields must be a JSON schema of type "object"'));
    } else {
      const compiled = deps.compileSchema(fields);
      if (!compiled.ok) problems.push(error(where, `invalid JSON schema: ${compiled.message}`));
      for (const p of strictSchemaProblems(fields)) problems.push(error([...where, ...p.path], p.message));
    }
  }
  if (problems.length > before) return null;
  const spec = {
    summary: input.summary,
    fields,
    successCriteria: input.successCriteria ?? null,
    model: input.model ?? deps.defaultModel,
    business: deps.business,
  };
  const whole = deps.compileSchema(outputSchema(spec));
  if (!whole.ok) {
    problems.push(error(at, `invalid output schema: ${whole.message}`));
    return null;
  }
  return { ...spec, checkOutput: whole.check };
}
