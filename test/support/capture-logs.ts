import { createLogger, type Logger } from '../../src/log/logger.ts';

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown> & { msg?: string }>;
  text(): string;
}

/** A real pino logger writing JSON lines into memory, so tests can read what operators would see. */
export function captureLogs(level = 'info'): CapturedLogs {
  const lines: CapturedLogs['lines'] = [];
  const raw: string[] = [];
  const logger = createLogger(level, {
    write(chunk: string) {
      raw.push(chunk);
      lines.push(JSON.parse(chunk));
    },
  });
  return { logger, lines, text: () => raw.join('') };
}
