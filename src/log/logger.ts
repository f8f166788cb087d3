import { type DestinationStream, type Logger, pino } from 'pino';

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
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
