// The rules a JSON Schema must follow for structured outputs with `strict: true`
// (OpenAI's Structured Outputs guide): every object closed and every property
// required, a subset of keywords, bounded size. A schema that breaks one is refused
// by the API with a 400, so `check` refuses it first.

export interface SchemaProblem {
  /** Where in the schema, as keys from its root. */
  path: (string | number)[];
  message: string;
}

const maxDepth = 10;
const maxProperties = 5_000;
const maxEnumValues = 1_000;

// Keywords strict mode does not support (composition other than anyOf, and the open-ended object and array rules).
const unsupported = new Set([
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'oneOf',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'unevaluatedItems',
  'contains',
  'minContains',
  'maxContains',
  'uniqueItems',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasType = (s: Record<string, unknown>, t: string) => s.type === t || (Array.isArray(s.type) && s.type.includes(t));

export function strictSchemaProblems(root: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  let properties = 0;
  if (!isObject(root) || !hasType(root, 'object')) {
    return [{ path: [], message: 'the root must be a JSON schema with type: object' }];
  }
  if ('anyOf' in root) problems.push({ path: ['anyOf'], message: 'the root cannot be anyOf: wrap the choices in a property' });

  const visit = (s: unknown, path: (string | number)[], depth: number): void => {
    if (!isObject(s)) return;
    for (const key of Object.keys(s)) {
      if (unsupported.has(key)) problems.push({ path: [...path, key], message: `${key} is not supported by strict structured outputs` });
    }
    if (Array.isArray(s.enum) && s.enum.length > maxEnumValues)
      problems.push({ path: [...path, 'enum'], message: `at most ${maxEnumValues} enum values` });
    const isObjectSchema = hasType(s, 'object') || isObject(s.properties);
    if (isObjectSchema) {
      if (depth > maxDepth) problems.push({ path, message: `nested more than ${maxDepth} levels deep` });
      const props = isObject(s.properties) ? s.properties : {};
      const names = Object.keys(props);
      properties += names.length;
      if (s.additionalProperties !== false) {
        problems.push({
          path: [...path, 'additionalProperties'],
          message: 'strict structured outputs need additionalProperties: false on every object',
        });
      }
      const required = Array.isArray(s.required) ? s.required : [];
      const missing = names.filter((n) => !required.includes(n));
      if (missing.length > 0) {
        problems.push({
          path: [...path, 'required'],
          message: `every property must be required (for an optional one, allow null: type: [string, "null"]); missing: ${missing.join(', ')}`,
        });
      }
      for (const n of names) visit(props[n], [...path, 'properties', n], depth + 1);
    }
    if (isObject(s.items)) visit(s.items, [...path, 'items'], depth);
    if (Array.isArray(s.anyOf)) s.anyOf.forEach((alt, i) => visit(alt, [...path, 'anyOf', i], depth));
    for (const defs of ['$defs', 'definitions'] as const) {
      const d = s[defs];
      if (isObject(d)) for (const [name, def] of Object.entries(d)) visit(def, [...path, defs, name], depth);
    }
  };
  visit(root, [], 1);
  if (properties > maxProperties) problems.push({ path: [], message: `at most ${maxProperties} properties in all` });
  return problems;
}
