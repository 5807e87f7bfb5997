/** Time source passed through dependencies so tests can pin "now". */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock frozen at `at` until moved with `set`. */
export function fixedClock(at: Date | string): Clock & { set(to: Date | string): void } {
  let current = new Date(at);
  return { now: () => new Date(current), set: (to) => (current = new Date(to)) };
}
