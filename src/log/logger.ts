import { type DestinationStream, type Logger, pino } from 'pino';
import { turnBufferedStdout } from './turn-buffered-stdout.ts';

export type { Logger };

// Belt and braces: the code never passes secrets to the logger, and these paths catch a slip.
const secretPaths = [
  'apiKey',
  'webhookSecret',
  'config.openaiApiKey',
  'config.webhookSecret',
  'config.previousWebhookSecret.secret',
  'config.apiToken',
  'config.callEventsSecret',
  'config.databaseUrl',
  'req.headers.authorization',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  'headers["webhook-signature"]',
];

let stdout: DestinationStream | null = null;

/** Logs JSON lines; by default to stdout, a turn's lines in one write (turn-buffered-stdout.ts), shared by every logger. */
export function createLogger(level: string, destination: DestinationStream = (stdout ??= turnBufferedStdout())): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: { paths: secretPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
