// The emulator's logger: pino by default, anything with these methods when injected.
import pino from 'pino';

export interface EmulatorLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const noop = (): void => {};
export const silentLogger: EmulatorLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function resolveLogger(option: EmulatorLogger | false | undefined): EmulatorLogger {
  if (option === false) return silentLogger;
  if (option) return option;
  return pino({ name: 'emulator', level: process.env.LOG_LEVEL ?? 'info' });
}
