/** Time source, injected so tests and the worker's backoff can be driven deterministically. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
