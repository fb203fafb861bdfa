/** The time source services use, so tests can move time instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
