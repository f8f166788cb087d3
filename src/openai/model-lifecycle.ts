// Warnings about models that are deprecated or past their shutdown date. The list is data
// (model-lifecycle.json, with its source and the day it was checked); when the models API
// reports a model's own dates, those win (the field names are a guess: unverified).
import lifecycle from './model-lifecycle.json' with { type: 'json' };

export interface ModelLifecycle {
  id: string;
  /** ISO date. */
  deprecatedOn?: string;
  shutdownOn?: string;
  replacement?: string;
}

export interface ModelWarning {
  model: string;
  message: string;
  /** 'shutdown': calls with it fail; 'deprecated': they will. */
  level: 'shutdown' | 'deprecated' | 'unlisted';
}

export const lifecycleSource = { source: lifecycle.source, checkedOn: lifecycle.checkedOn };
const known: ReadonlyMap<string, ModelLifecycle> = new Map(lifecycle.models.map((m) => [m.id, m]));

/** Dates a models API entry carries about itself, if any (OpenAI's list shows none today). */
export function reportedLifecycle(entry: Record<string, unknown>): Omit<ModelLifecycle, 'id'> | null {
  const date = (v: unknown): string | undefined => {
    if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString().slice(0, 10);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
    return undefined;
  };
  const shutdownOn = date(entry.shutdown_date ?? entry.shutdown_at ?? entry.sunset_at);
  // A bare `deprecated: true` counts as deprecated since the beginning.
  const deprecatedOn = date(entry.deprecation_date ?? entry.deprecated_at) ?? (entry.deprecated === true ? '1970-01-01' : undefined);
  if (!shutdownOn && !deprecatedOn) return null;
  return { ...(shutdownOn ? { shutdownOn } : {}), ...(deprecatedOn ? { deprecatedOn } : {}) };
}

export interface CheckModelsOptions {
  /** Today, as an ISO date (YYYY-MM-DD). */
  today: string;
  /** What GET /v1/models answered, when it could be asked. */
  listed?: readonly Record<string, unknown>[];
}

/** One warning per model that needs attention, most urgent first. */
export function checkModels(models: Iterable<string>, opts: CheckModelsOptions): ModelWarning[] {
  const listed = opts.listed ? new Map(opts.listed.map((m) => [String(m.id), m])) : null;
  const warnings: ModelWarning[] = [];
  for (const model of new Set(models)) {
    const entry = listed?.get(model);
    const reported = entry ? reportedLifecycle(entry) : null;
    const info = reported ?? known.get(model);
    const from = reported ? 'the models API' : `the list checked on ${lifecycle.checkedOn}`;
    const replace = known.get(model)?.replacement ? `; move to ${known.get(model)?.replacement}` : '';
    if (info?.shutdownOn && info.shutdownOn <= opts.today) {
      warnings.push({ model, level: 'shutdown', message: `${model} was shut down on ${info.shutdownOn} (per ${from})${replace}` });
    } else if (info?.shutdownOn || (info?.deprecatedOn && info.deprecatedOn <= opts.today)) {
      const when = info.shutdownOn ? `shuts down on ${info.shutdownOn}` : 'is deprecated';
      warnings.push({ model, level: 'deprecated', message: `${model} is deprecated and ${when} (per ${from})${replace}` });
    } else if (listed && !entry) {
      warnings.push({
        model,
        level: 'unlisted',
        message: `${model} is not in the models API's list for this key: calls with it may be refused`,
      });
    }
  }
  const rank = { shutdown: 0, deprecated: 1, unlisted: 2 } as const;
  return warnings.sort((a, b) => rank[a.level] - rank[b.level]);
}

/** Logs one warning per model in use that is deprecated, shut down, or not listed for this key. */
export function warnAboutModels(
  log: { warn(fields: object, msg: string): void },
  models: Iterable<string>,
  opts: { epochMs: number; listed?: readonly Record<string, unknown>[] | null },
): ModelWarning[] {
  const warnings = checkModels(models, {
    today: new Date(opts.epochMs).toISOString().slice(0, 10),
    ...(opts.listed ? { listed: opts.listed } : {}),
  });
  for (const w of warnings)
    log.warn(
      { model: w.model, status: w.level, detail: w.message, listCheckedOn: lifecycleSource.checkedOn },
      'model deprecated, shut down or unavailable',
    );
  return warnings;
}
