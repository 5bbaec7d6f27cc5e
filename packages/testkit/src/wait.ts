import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { WaitTimeoutError } from './errors.js';

export interface WaitOptions {
  /** Give up after this long. Default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Pause between probes. Default {@link DEFAULT_WAIT_INTERVAL_MS}. */
  intervalMs?: number;
  /** What is awaited, in words ("session 10.0.0.2 Established"); the timeout error names it. */
  what: string;
  /** Stop waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Long enough for a BGP session to come up with short timers, short enough to stay inside mocha's timeout. */
export const DEFAULT_WAIT_TIMEOUT_MS = 15_000;
export const DEFAULT_WAIT_INTERVAL_MS = 100;

const MAX_SHOWN_CHARS = 500;

function show(value: unknown): string {
  const text = value instanceof Error ? `${value.name}: ${value.message}` : inspect(value, { depth: 4, breakLength: Infinity });
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

type Outcome<T> = { done: true; value: T } | { done: false };

async function raceDeadline<T>(work: Promise<T>, remainingMs: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([work.then((value): Outcome<T> => ({ done: true, value })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` until it returns a truthy value, and returns that value.
 * A probe that throws counts as "not yet". After `timeoutMs` it throws a {@link WaitTimeoutError} naming `what`
 * and showing the last value or error seen, so a failing test says what it was waiting for and how far it got.
 *
 * @example
 * await waitFor(async () => (await gobgp.neighborState('10.0.0.2')) === 'established', { what: 'session up' });
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  let lastKind: 'value' | 'error' | 'none' = 'none';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      // A probe that hangs must not hang the wait: race it against the deadline.
      const outcome = await raceDeadline(Promise.resolve().then(probe), deadline - Date.now());
      if (outcome.done) {
        if (outcome.value) return outcome.value as NonNullable<T>;
        last = outcome.value;
        lastKind = 'value';
      }
    } catch (err) {
      last = err;
      lastKind = 'error';
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining));
  }
  const seen = lastKind === 'none' ? 'the probe never returned' : `last ${lastKind}: ${show(last)}`;
  throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${opts.what} (${seen})`, opts.what, timeoutMs, last);
}
