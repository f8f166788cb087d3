// Model prices, kept as data (model-prices.json) with their source and the day they were
// checked; the profile file's `prices` replaces or adds models.
import builtIn from './model-prices.json' with { type: 'json' };

/** Dollars per 1M tokens. */
export interface TokenPrices {
  input?: number;
  cachedInput?: number;
  /** Writing to the prompt cache (Responses models that bill it). */
  cacheWrite?: number;
  output?: number;
}

export interface ModelPrice {
  text?: TokenPrices;
  audio?: TokenPrices;
  image?: TokenPrices;
  /** Dollars per minute of audio: GPT-Live session time, duration-billed transcription. */
  perMinute?: number;
}

export interface PriceTable {
  currency: 'USD';
  source: string;
  checkedOn: string;
  models: Readonly<Record<string, ModelPrice>>;
  /** Models whose prices came from the profile file. */
  overridden: readonly string[];
}

export const builtInPrices: PriceTable = Object.freeze({
  currency: 'USD',
  source: builtIn.source,
  checkedOn: builtIn.checkedOn,
  models: builtIn.models as Record<string, ModelPrice>,
  overridden: [],
});

/** The built-in table with the profile file's models on top (a model given there replaces the built-in entry whole). */
export function withOverrides(table: PriceTable, overrides: Readonly<Record<string, ModelPrice>> | undefined): PriceTable {
  const names = Object.keys(overrides ?? {});
  if (names.length === 0) return table;
  return { ...table, models: { ...table.models, ...overrides }, overridden: [...new Set([...table.overridden, ...names])] };
}

// Dated snapshots (gpt-realtime-2025-08-28) cost what their alias costs.
const datedSuffix = /-\d{4}-\d{2}-\d{2}$/;

export function priceOf(table: PriceTable, model: string | null | undefined): ModelPrice | null {
  if (!model) return null;
  return table.models[model] ?? table.models[model.replace(datedSuffix, '')] ?? null;
}
