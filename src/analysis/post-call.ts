// When a call's record closes: its cost from the price table, and an analysis queued
// if its agent has one. Runs in the recorder's flush, never on the call path.
import { type CallCost, callCost } from '../cost/call-cost.ts';
import type { PriceTable } from '../cost/price-table.ts';
import { emptyUsageDetail } from '../cost/usage.ts';
import type { CallRecord } from '../records/call-record.ts';
import type { AnalysisFor } from './analysis-spec.ts';

export interface PostCallDeps {
  prices: () => PriceTable;
  analysisFor: AnalysisFor;
  onCost?: (cost: CallCost) => void;
}

/** Worth a model's time: the call was answered and the caller said something. */
export function analysable(record: CallRecord, transcript: { callerSpoke: boolean }): boolean {
  return record.acceptedAt !== null && (record.outcome === 'completed' || record.outcome === 'transferred') && transcript.callerSpoke;
}

export function postCallFinisher(deps: PostCallDeps) {
  return (record: CallRecord, transcript: { callerSpoke: boolean }, nowMs: number): void => {
    record.cost = callCost(
      {
        model: record.model ?? null,
        transcriptionModel: record.transcriptionModel ?? null,
        usage: record.usageDetail ?? emptyUsageDetail(),
      },
      deps.prices(),
    );
    deps.onCost?.(record.cost);
    const spec = deps.analysisFor(record.profile);
    if (!spec || !analysable(record, transcript)) return;
    const at = new Date(nowMs).toISOString();
    record.analysis = {
      status: 'pending',
      model: spec.model,
      attempts: 0,
      summary: null,
      success: null,
      fields: null,
      tokens: null,
      costUsd: null,
      error: null,
      requestedAt: at,
      completedAt: null,
      nextAttemptAt: at,
    };
  };
}
