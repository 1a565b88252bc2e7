/** Where library code gets the current time: injected, never read from `Date.now()` directly. */
export interface Clock {
  now(): Date;
}

/** The real clock, for the edges (CLI, server) to inject. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that always answers the same instant; for tests and for validation "as of" a time. */
export function fixedClock(at: Date | string | number): Clock {
  const instant = new Date(at);
  return { now: () => new Date(instant.getTime()) };
}
