// Timer values for the FSM (RFC 4271 §10 and §8.1.1): backoff with jitter, and peer oscillation damping.
// Pure functions of their inputs; randomness and time come from the FSM's injected environment.

/** RFC 4271 §10: jitter multiplies a timer by a random factor in [0.75, 1]. */
export const JITTER_MIN = 0.75;
const JITTER_SPAN = 1 - JITTER_MIN;

/** RFC 4271 §8.2.2: "a HoldTimer value of 4 minutes is suggested" while waiting for the peer's OPEN. */
export const OPEN_HOLD_TIME_MS = 4 * 60 * 1000;

export function jitter(ms: number, random: () => number): number {
  return Math.round(ms * (JITTER_MIN + JITTER_SPAN * random()));
}

export interface BackoffConfig {
  /** Delay for the first retry, before jitter. */
  readonly initialMs: number;
  /** Upper bound, before jitter. */
  readonly maxMs: number;
}

/**
 * Exponential backoff: `initialMs * 2^attempt`, capped at `maxMs`, then jittered. `attempt` 0 is the first retry.
 * A dead peer is retried ever more slowly, but never less often than every `maxMs`.
 */
export function backoff(cfg: BackoffConfig, attempt: number, random: () => number): number {
  const exp = Math.min(Math.max(attempt, 0), 30);
  return jitter(Math.min(cfg.maxMs, cfg.initialMs * 2 ** exp), random);
}

export interface DampingConfig {
  /** IdleHoldTime after the first counted oscillation. */
  readonly initialMs: number;
  /** Largest IdleHoldTime (RFC 4271 §8.1.1's example grows it to 120 s). */
  readonly maxMs: number;
  /** Each period of this length without a new oscillation forgets one (the damping decays while stable). */
  readonly decayMs: number;
}

/**
 * DampPeerOscillations state (RFC 4271 §8.1.1): a count of recent oscillations that decays with stable time.
 * The count only changes through `record` and `decay`; `idleHoldMs` reads it.
 */
export class OscillationDamper {
  private count = 0;
  private since = 0;

  constructor(private readonly cfg: DampingConfig) {}

  get oscillations(): number {
    return this.count;
  }

  /** Forget one oscillation per full `decayMs` elapsed since the last change. */
  decay(now: number): void {
    if (this.count === 0) return;
    const periods = Math.floor((now - this.since) / this.cfg.decayMs);
    if (periods <= 0) return;
    this.count = Math.max(0, this.count - periods);
    this.since += periods * this.cfg.decayMs;
  }

  /** "Performs peer oscillation damping" in §8.2.2: count one more oscillation. */
  record(now: number): void {
    this.decay(now);
    this.count += 1;
    this.since = now;
  }

  /** The IdleHoldTime to wait before the next automatic start: 0 when not damped, then doubling to the cap. */
  idleHoldMs(now: number): number {
    this.decay(now);
    if (this.count === 0) return 0;
    return Math.min(this.cfg.maxMs, this.cfg.initialMs * 2 ** Math.min(this.count - 1, 30));
  }

  reset(): void {
    this.count = 0;
  }
}
