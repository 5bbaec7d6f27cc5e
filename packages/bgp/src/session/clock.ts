// The session's only source of time: injectable so tests can run the real session on a fake clock.
import { performance } from 'node:perf_hooks';

export interface TimerHandle {
  cancel(): void;
}

export interface SessionClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for "last change at" timestamps). */
  wallNow(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const realClock: SessionClock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};
