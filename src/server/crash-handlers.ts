import type { Logger } from '../log/logger.ts';

/**
 * The last line of defence. Each call's events are contained in the call; what still escapes
 * is a bug of unknown reach, so it is logged with its context and the process drains in order
 * (no new calls, live ones finish, records written) and exits 1, instead of dying silently.
 */
export function installCrashHandlers(
  proc: Pick<NodeJS.Process, 'on'>,
  log: Logger,
  drain: (reason: 'uncaughtException' | 'unhandledRejection') => void,
): void {
  proc.on('uncaughtException', (err, origin) => {
    log.fatal({ err, origin }, 'uncaught exception: draining, then exiting');
    drain('uncaughtException');
  });
  proc.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection: draining, then exiting');
    drain('unhandledRejection');
  });
}
