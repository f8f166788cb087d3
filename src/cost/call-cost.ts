// A call's price in dollars: the realtime (or GPT-Live) model, the caller's transcription
// and the post-call analysis, each from its own usage and the price table.
import { type ModelPrice, type PriceTable, priceOf, type TokenPrices } from './price-table.ts';
import type { CallUsageDetail } from './usage.ts';

/** Tokens of one Responses API request (the analysis). Cached and cache-write tokens are part of inputTokens. */
export interface ResponsesTokens {
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

export interface CostInput {
  /** The realtime or GPT-Live model the call was accepted with. */
  model: string | null;
  transcriptionModel: string | null;
  usage: CallUsageDetail;
  analysis?: { model: string; tokens: ResponsesTokens } | null;
}

export interface CallCost {
  totalUsd: number;
  realtimeUsd: number;
  transcriptionUsd: number;
  liveUsd: number;
  analysisUsd: number;
  /** Models that were used but have no price in the table: their part counts as 0. */
  unpriced: string[];
  /** When the price table was checked (its `checkedOn`). */
  pricesCheckedOn: string;
}

const perToken = (pricePerMillion: number | undefined, tokens: number): number =>
  tokens > 0 ? ((pricePerMillion ?? 0) * tokens) / 1_000_000 : 0;
// Micro-dollars: enough for a fraction of a cent, without float noise in stored figures.
const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

function tokenCost(prices: TokenPrices | undefined, t: { in: number; cached: number; out: number }): number {
  // A cached price left out of the table bills cached tokens at the full input price.
  return perToken(prices?.input, t.in) + perToken(prices?.cachedInput ?? prices?.input, t.cached) + perToken(prices?.output, t.out);
}

function realtimeCost(price: ModelPrice, u: CallUsageDetail): number {
  const r = u.realtime;
  return (
    tokenCost(price.text, { in: r.textIn, cached: r.cachedTextIn, out: r.textOut }) +
    tokenCost(price.audio, { in: r.audioIn, cached: r.cachedAudioIn, out: r.audioOut }) +
    tokenCost(price.image, { in: r.imageIn, cached: r.cachedImageIn, out: 0 })
  );
}

function transcriptionCost(price: ModelPrice, u: CallUsageDetail): number {
  const t = u.transcription;
  const audioIn = price.audio?.input ?? price.text?.input;
  return (
    perToken(audioIn, t.audioIn) +
    perToken(price.text?.input, t.textIn) +
    perToken(price.text?.output ?? price.audio?.output, t.out) +
    ((price.perMinute ?? 0) * t.seconds) / 60
  );
}

export function analysisCost(price: ModelPrice, tokens: ResponsesTokens): number {
  const text = price.text;
  const fresh = Math.max(0, tokens.inputTokens - tokens.cachedTokens - tokens.cacheWriteTokens);
  return (
    perToken(text?.input, fresh) +
    perToken(text?.cachedInput ?? text?.input, tokens.cachedTokens) +
    perToken(text?.cacheWrite ?? text?.input, tokens.cacheWriteTokens) +
    perToken(text?.output, tokens.outputTokens)
  );
}

const usedRealtime = (u: CallUsageDetail) => Object.values(u.realtime).some((v) => v > 0);
const usedTranscription = (u: CallUsageDetail) => Object.values(u.transcription).some((v) => v > 0);

export function callCost(input: CostInput, table: PriceTable): CallCost {
  const unpriced = new Set<string>();
  const price = (model: string | null, used: boolean): ModelPrice | null => {
    if (!used) return null;
    const p = priceOf(table, model);
    if (!p) unpriced.add(model ?? '(unknown model)');
    return p;
  };
  const u = input.usage;
  const model = price(input.model, usedRealtime(u) || u.liveSeconds > 0);
  const realtimeUsd = model ? realtimeCost(model, u) : 0;
  const liveUsd = model && u.liveSeconds > 0 ? ((model.perMinute ?? 0) * u.liveSeconds) / 60 : 0;
  const transcription = price(input.transcriptionModel, usedTranscription(u));
  const transcriptionUsd = transcription ? transcriptionCost(transcription, u) : 0;
  const a = input.analysis;
  const analysis = a ? price(a.model, a.tokens.inputTokens + a.tokens.outputTokens > 0) : null;
  const analysisUsd = a && analysis ? analysisCost(analysis, a.tokens) : 0;
  return {
    totalUsd: round(realtimeUsd + liveUsd + transcriptionUsd + analysisUsd),
    realtimeUsd: round(realtimeUsd),
    transcriptionUsd: round(transcriptionUsd),
    liveUsd: round(liveUsd),
    analysisUsd: round(analysisUsd),
    unpriced: [...unpriced],
    pricesCheckedOn: table.checkedOn,
  };
}
