/** Longest stretch a records write (building a batch, or writing it on the loop) holds the event loop before it yields. */
export const writeSliceMs = 2;

/** Lets the loop run what is waiting (socket reads, timers) before the write goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
