// JSON-schema checking of tool arguments (ajv), compiled once at load.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; Node hands us module.exports.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type ArgumentsCheck = (args: unknown) => { ok: true } | { ok: false; message: string };

export type SchemaCompileResult = { ok: true; check: ArgumentsCheck } | { ok: false; message: string };

export function createSchemaCompiler(): (schema: Record<string, unknown>) => SchemaCompileResult {
  // strict: unknown keywords and formats are load-time errors, not silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, logger: false });
  addFormats(ajv);
  return (schema) => {
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
    return {
      ok: true,
      check: (args) => (validate(args) ? { ok: true } : { ok: false, message: ajv.errorsText(validate.errors, { dataVar: 'arguments' }) }),
    };
  };
}
