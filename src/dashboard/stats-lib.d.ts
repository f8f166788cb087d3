// Types of stats-lib.js (plain JavaScript served to the browser as it is), for the tests.
import type { CallStats } from '../stats/call-stats.ts';

export interface OutcomeLayer {
  outcome: string;
  label: string;
  color: string;
}

export const outcomeStack: readonly OutcomeLayer[];
export const rangePresets: readonly { id: string; label: string }[];

export interface StatsRange {
  from: number;
  to: number;
  bucket?: 'hour' | 'day';
}

export function presetRange(id: string, nowMs: number): Required<StatsRange>;
export function statsQuery(range: StatsRange): string;

export interface StackedSeries {
  x: number[];
  starts: number[];
  bucketMs: number;
  layers: (OutcomeLayer & { raw: number[]; values: number[] })[];
  max: number;
}

export function stackedSeries(stats: CallStats): StackedSeries;
export function formatUsd(value: number | null | undefined): string;
export function formatPercent(ratio: number | null | undefined): string;
export function formatMs(ms: number | null | undefined): string;
export function headlineFigures(stats: CallStats): { id: string; label: string; value: string; note: string }[];
export function parseHeaderLines(text: string): { headers: { name: string; value: string }[]; error: string | null };
export function planRequest(form: { from?: string; to?: string; at?: string; headers?: string }): {
  body: { from: string | null; to: string; at?: string; headers?: { name: string; value: string }[] };
  error: string | null;
};
