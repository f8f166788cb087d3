// What to learn from a finished call, per agent: a summary, fields to extract (a JSON
// schema), a success verdict, and the model that reads the transcript.

/** A small, current model that supports strict structured outputs; OpenAI recommends it for cost-sensitive extraction. */
export const defaultAnalysisModel = 'gpt-6-luna';

export interface AnalysisSpec {
  summary: boolean;
  /** A JSON schema of type object; null: nothing to extract. */
  fields: Record<string, unknown> | null;
  successCriteria: string | null;
  model: string;
  /** The business the agent answers for (the profile file's business.name), for the instructions. */
  business: string | null;
  /** Checks a parsed answer against the whole output schema (the API guarantees it; this guards the parser). */
  checkOutput: (value: unknown) => { ok: true } | { ok: false; message: string };
}

/** The analysis for a call's profile, null when it has none. Read when the analysis runs, so a reload applies. */
export type AnalysisFor = (profile: string | null) => AnalysisSpec | null;

export const analysisFormatName = 'call_analysis';

/** The structured-output schema: summary, success and fields, each only when asked for. */
export function outputSchema(spec: Pick<AnalysisSpec, 'summary' | 'fields' | 'successCriteria'>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  if (spec.summary) {
    properties.summary = {
      type: 'string',
      description: 'Two or three plain sentences: who called, what they wanted, what was done and how the call ended.',
    };
  }
  if (spec.successCriteria) {
    properties.success = { type: 'boolean', description: 'true only if the call met the success criteria given in the instructions.' };
  }
  if (spec.fields) properties.fields = spec.fields;
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}
