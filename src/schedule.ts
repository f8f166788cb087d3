/** A one-shot timer, passed in so tests can fire it by hand. */
export type Schedule = (fn: () => void, delayMs: number) => { cancel(): void };

export const defaultSchedule: Schedule = (fn, delayMs) => {
  const timer = setTimeout(fn, delayMs).unref();
  return { cancel: () => clearTimeout(timer) };
};
