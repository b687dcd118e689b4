/**
 * At most `size` tasks at once; the rest wait in order. The dispatcher runs its transactions
 * through one, so that leads waiting for a number's row lock can never hold every pooled
 * connection: recording a placed call (and the next claim) always finds one free.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(size: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
