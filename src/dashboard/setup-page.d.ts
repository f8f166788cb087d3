// Types of setup-page.js (plain JavaScript served to the browser as it is), for the tests.
import type { CheckResult, CheckStatus } from '../setup/checks.ts';

export const setupHash: string;
export function isSetupHash(hash: string): boolean;
export const statusLabels: Readonly<Record<CheckStatus, string>>;
export function statusLabel(status: string): string;
export function checksSummary(checks: readonly Pick<CheckResult, 'status'>[]): { tone: 'ok' | 'warn' | 'fail'; text: string };
export function renderChecks(list: { replaceChildren(...nodes: unknown[]): void }, checks: readonly CheckResult[]): void;
