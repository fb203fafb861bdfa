import type { Clock } from "../../src/server/clock.js";

/** A clock tests set and advance by hand, so they move time instead of sleeping. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = "2026-01-15T09:00:00Z") {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
